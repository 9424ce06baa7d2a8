import { render, screen, waitFor } from "@testing-library/react";
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

  it("resolves a report with the moderator's note, then reloads", async () => {
    let open = [report(2, "message", "you are awful")];
    const api = fakeApi({
      [`GET ${REPORTS}`]: () => ok({ results: open, next: null }),
      [`POST ${REPORTS}/2/resolve`]: () => {
        open = [];
        return ok({ ...report(2, "message", "you are awful"), status: "resolved" });
      },
    });
    vi.stubGlobal("prompt", vi.fn(() => "Insults"));
    render(<ReportsPage />);

    await userEvent.setup({ delay: null }).click(await screen.findByRole("button", { name: "Hide message" }));

    expect((await screen.findByRole("status")).textContent).toBe("Report 2 resolved (hide message).");
    expect(await screen.findByText("No open reports. All quiet.")).toBeTruthy();
    expect(api.callsTo("POST", `${REPORTS}/2/resolve`).map((call) => call.body)).toEqual([
      { action: "hide_message", note: "Insults" },
    ]);
  });

  it("passes on the server's refusal", async () => {
    fakeApi({
      [`GET ${REPORTS}`]: ok({ results: [report(1, "user", "sam")], next: null }),
      [`POST ${REPORTS}/1/resolve`]: apiError(409, "conflict", "This report was already resolved (dismissed)."),
    });
    vi.stubGlobal("prompt", vi.fn(() => ""));
    render(<ReportsPage />);

    await userEvent.setup({ delay: null }).click(await screen.findByRole("button", { name: "Dismiss" }));

    expect((await screen.findByRole("status")).textContent).toBe("This report was already resolved (dismissed).");
  });
});
