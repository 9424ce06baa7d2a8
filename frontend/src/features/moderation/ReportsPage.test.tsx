import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { apiError, fakeApi, ok } from "../../test/fakeApi";
import { ReportsPage } from "./ReportsPage";

const REPORTS = "/api/v1/moderation/reports";

function report(id: number, type: "user" | "pet" | "message", preview: string, targetReports = 1) {
  return {
    id,
    reporter_id: 8,
    target: { type, id: 40 + id, user_id: 9, preview },
    reason: type === "message" ? "harassment" : "spam",
    text: "",
    status: "open",
    target_reports: targetReports,
    created_at: new Date(Date.now() - 30 * 60_000).toISOString(),
    resolution: null,
  };
}

describe("ReportsPage", () => {
  it("lists the open reports, oldest first, and asks again when ordered by frequency", async () => {
    const api = fakeApi({
      [`GET ${REPORTS}`]: (call) =>
        ok({
          results:
            call.query.get("ordering") === "frequency"
              ? [report(2, "message", "you are <b>awful</b>", 3), report(1, "user", "sam")]
              : [report(1, "user", "sam"), report(2, "message", "you are <b>awful</b>", 3)],
          next: null,
        }),
    });
    const { container } = render(<ReportsPage />);

    await screen.findByText("sam");
    const previews = () => [...container.querySelectorAll("blockquote")].map((quote) => quote.textContent);
    expect(previews()).toEqual(["sam", "you are <b>awful</b>"]);
    expect(container.querySelector("blockquote b")).toBeNull();
    expect(screen.getAllByRole("button", { name: "Hide message" })).toHaveLength(1);

    await userEvent.setup({ delay: null }).selectOptions(screen.getByRole("combobox", { name: "Order" }), "frequency");

    await waitFor(() => expect(previews()).toEqual(["you are <b>awful</b>", "sam"]));
    expect(api.callsTo("GET", REPORTS).map((call) => call.query.toString())).toEqual([
      "status=open&ordering=age",
      "status=open&ordering=frequency",
    ]);
  });

  it("resolves a report with the moderator's note once confirmed, then reloads", async () => {
    let open = [report(2, "message", "you are awful")];
    const api = fakeApi({
      [`GET ${REPORTS}`]: () => ok({ results: open, next: null }),
      [`POST ${REPORTS}/2/resolve`]: () => {
        open = [];
        return ok({ ...report(2, "message", "you are awful"), status: "resolved" });
      },
    });
    const prompt = vi.fn(() => "from a prompt");
    vi.stubGlobal("prompt", prompt);
    render(<ReportsPage />);
    const person = userEvent.setup({ delay: null });

    await person.click(await screen.findByRole("button", { name: "Hide message" }));
    const form = screen.getByRole("form", { name: "Hide message: report 2" });
    expect(within(form).getByText("Hide this message from both owners?")).toBeTruthy();
    expect(document.activeElement).toBe(within(form).getByLabelText("Why (for the audit log)"));
    expect(api.callsTo("POST", `${REPORTS}/2/resolve`)).toEqual([]);
    await person.keyboard("Insults");
    await person.click(within(form).getByRole("button", { name: "Confirm: hide message" }));

    const notice = await screen.findByRole("status");
    expect(notice.textContent).toBe("Report 2 resolved (hide message).");
    expect(await screen.findByText("No open reports. All quiet.")).toBeTruthy();
    expect(document.activeElement).toBe(notice);
    expect(api.callsTo("POST", `${REPORTS}/2/resolve`).map((call) => call.body)).toEqual([
      { action: "hide_message", note: "Insults" },
    ]);
    expect(prompt).not.toHaveBeenCalled();
  });

  it("does nothing when the moderator cancels, not even a suspension", async () => {
    const api = fakeApi({ [`GET ${REPORTS}`]: ok({ results: [report(1, "user", "sam")], next: null }) });
    vi.stubGlobal("prompt", vi.fn(() => null));
    render(<ReportsPage />);
    const person = userEvent.setup({ delay: null });
    const suspend = await screen.findByRole("button", { name: "Suspend user" });

    await person.click(suspend);
    await person.keyboard("Spam");
    await person.click(screen.getByRole("button", { name: "Cancel" }));

    expect(screen.queryByRole("form")).toBeNull();
    expect(document.activeElement).toBe(suspend);
    await person.click(screen.getByRole("button", { name: "Dismiss" }));
    await person.keyboard("{Escape}");

    expect(screen.queryByRole("form")).toBeNull();
    expect(api.calls.filter((call) => call.method === "POST")).toEqual([]);
    expect(api.callsTo("GET", REPORTS)).toHaveLength(1);
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("passes on the server's refusal, and keeps the note to try again", async () => {
    fakeApi({
      [`GET ${REPORTS}`]: ok({ results: [report(1, "user", "sam")], next: null }),
      [`POST ${REPORTS}/1/resolve`]: apiError(409, "conflict", "This report was already resolved (dismissed)."),
    });
    render(<ReportsPage />);
    const person = userEvent.setup({ delay: null });

    await person.click(await screen.findByRole("button", { name: "Dismiss" }));
    await person.keyboard("Duplicate{Enter}");

    expect((await screen.findByRole("alert")).textContent).toBe("This report was already resolved (dismissed).");
    expect(screen.getByLabelText("Why (for the audit log)")).toHaveProperty("value", "Duplicate");
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("says when the reports could not be loaded", async () => {
    fakeApi({ [`GET ${REPORTS}`]: apiError(403, "permission_denied", "You do not have permission to perform this action.") });
    render(<ReportsPage />);

    expect((await screen.findByRole("alert")).textContent).toBe(
      "The reports could not be loaded. You do not have permission to perform this action.",
    );
    expect(screen.queryByText("Loading…")).toBeNull();
  });
});
