import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Activity } from "../../realtime/types";
import { METROS, apiError, deferred, fakeApi, ok, type Answer, type ApiCall } from "../../test/fakeApi";
import { ActivityPage } from "./ActivityPage";

function activity(id: number, over: Partial<Activity> = {}): Activity {
  return {
    id,
    kind: "pet.created",
    actor_id: 7,
    subject: { type: "pet", id: 100 + id },
    target_user_id: null,
    summary: `maya added a pet #${id}`,
    metro: "new-york",
    created_at: "2025-06-01T12:00:00Z",
    ...over,
  };
}

const FEED = "/api/v1/moderation/activity";

/** What the list shows, item by item: kind, summary and metro. */
function shown(): string[][] {
  const list = screen.getByRole("list");
  return within(list)
    .queryAllByRole("listitem")
    .map((item) => [...item.querySelectorAll("span")].map((span) => span.textContent ?? ""));
}

const queries = (api: { callsTo: (method: string, path: string) => ApiCall[] }) =>
  api.callsTo("GET", FEED).map((call) => call.query.toString());

describe("ActivityPage", () => {
  it("lists the feed's first page", async () => {
    const api = fakeApi({
      [`GET ${FEED}`]: ok({
        results: [
          activity(12, { kind: "report.filed", summary: "maya reported a message", metro: "" }),
          activity(11),
        ],
        next: null,
      }),
    });
    render(<ActivityPage />);

    await screen.findByRole("list");
    expect(shown()).toEqual([
      ["report.filed", "maya reported a message"],
      ["pet.created", "maya added a pet #11", "new-york"],
    ]);
    expect(screen.getAllByRole("listitem")[0]?.querySelector("time")?.getAttribute("dateTime")).toBe(
      "2025-06-01T12:00:00Z",
    );
    expect(queries(api)).toEqual(["limit=50"]);
    expect(screen.queryByRole("button", { name: "Older" })).toBeNull();
  });

  it("asks the server again for the chosen kind and metro area", async () => {
    const api = fakeApi({
      "GET /api/v1/metros": ok(METROS),
      [`GET ${FEED}`]: (call) => {
        const kind = call.query.get("kind") ?? "pet.created";
        const metro = call.query.get("metro") ?? "new-york";
        return ok({ results: [activity(20, { kind, metro, summary: `${kind} in ${metro}` })], next: null });
      },
    });
    render(<ActivityPage />);
    const person = userEvent.setup({ delay: null });
    await screen.findByRole("list");

    await person.selectOptions(screen.getByRole("combobox", { name: "Kind" }), "report.filed");
    await waitFor(() => expect(shown()).toEqual([["report.filed", "report.filed in new-york", "new-york"]]));
    await screen.findByRole("option", { name: "Paris" });
    await person.selectOptions(screen.getByRole("combobox", { name: "Metro area" }), "Paris");

    await waitFor(() => expect(shown()).toEqual([["report.filed", "report.filed in paris", "paris"]]));
    expect(queries(api)).toEqual(["limit=50", "limit=50&kind=report.filed", "limit=50&kind=report.filed&metro=paris"]);
  });

  it("offers the metro areas the server knows, by name", async () => {
    fakeApi({ "GET /api/v1/metros": ok(METROS), [`GET ${FEED}`]: ok({ results: [], next: null }) });
    render(<ActivityPage />);

    await screen.findByRole("option", { name: "Paris" });
    const options = within(screen.getByRole("combobox", { name: "Metro area" })).getAllByRole("option");
    expect(options.map((option) => [option.textContent, option.getAttribute("value")])).toEqual([
      ["All", ""],
      ["Berlin", "berlin"],
      ["New York", "new-york"],
      ["Paris", "paris"],
    ]);
  });

  it("shows only the answer for the metro area chosen last", async () => {
    const paris = deferred<Answer>();
    const api = fakeApi({
      "GET /api/v1/metros": ok(METROS),
      [`GET ${FEED}`]: (call) => {
        const metro = call.query.get("metro");
        if (metro === "paris") return paris.promise;
        return ok({ results: [activity(30, { metro: metro ?? "", summary: `in ${metro ?? "every area"}` })], next: null });
      },
    });
    render(<ActivityPage />);
    const person = userEvent.setup({ delay: null });
    await screen.findByRole("option", { name: "Paris" });

    await person.selectOptions(screen.getByRole("combobox", { name: "Metro area" }), "Paris");
    await person.selectOptions(screen.getByRole("combobox", { name: "Metro area" }), "Berlin");
    await waitFor(() => expect(shown()).toEqual([["pet.created", "in berlin", "berlin"]]));
    await act(async () => {
      paris.resolve(ok({ results: [activity(31, { metro: "paris", summary: "in paris" })], next: null }));
      await new Promise((settle) => setTimeout(settle, 50));
    });

    expect(shown()).toEqual([["pet.created", "in berlin", "berlin"]]);
    expect(queries(api)).toEqual(["limit=50", "limit=50&metro=paris", "limit=50&metro=berlin"]);
  });

  it("says when the feed could not be loaded", async () => {
    fakeApi({
      "GET /api/v1/metros": ok(METROS),
      [`GET ${FEED}`]: apiError(503, "unavailable", "The service is temporarily unavailable. Please try again shortly."),
    });
    render(<ActivityPage />);

    expect((await screen.findByRole("alert")).textContent).toBe(
      "The activity could not be loaded. The service is temporarily unavailable. Please try again shortly.",
    );
    expect(screen.queryByText("Loading…")).toBeNull();
  });

  it("shows a name with markup as text, never as markup", async () => {
    const name = "<img src=x onerror=alert(1)>";
    fakeApi({
      [`GET ${FEED}`]: ok({
        results: [activity(5, { kind: "user.registered", summary: `${name} joined Pawdate` })],
        next: null,
      }),
    });
    const { container } = render(<ActivityPage live={[activity(6, { summary: `${name} added a pet` })]} />);

    await screen.findByRole("list");
    expect(screen.getByText(`${name} joined Pawdate`)).toBeTruthy();
    expect(screen.getByText(`${name} added a pet`)).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();
  });

  it("puts live items on top, once each, when they match the filters", async () => {
    fakeApi({
      [`GET ${FEED}`]: (call) =>
        ok({
          results: call.query.get("kind") ? [] : [activity(11)],
          next: null,
        }),
    });
    const live = [
      activity(14, { kind: "chat.message", summary: "a message", metro: "paris" }),
      activity(13, { kind: "report.filed", summary: "a report" }),
      activity(11), // the page has it already
    ];
    const { rerender } = render(<ActivityPage live={live} />);
    await screen.findByRole("list");

    expect(shown().map(([, summary]) => summary)).toEqual(["a message", "a report", "maya added a pet #11"]);

    await userEvent.setup({ delay: null }).selectOptions(screen.getByRole("combobox", { name: "Kind" }), "report.filed");
    await waitFor(() => expect(shown().map(([, summary]) => summary)).toEqual(["a report"]));

    rerender(<ActivityPage live={[activity(15, { kind: "report.filed", summary: "another report" }), ...live]} />);
    expect(shown().map(([, summary]) => summary)).toEqual(["another report", "a report"]);
  });

  it("loads older items from the page's next link", async () => {
    const api = fakeApi({
      [`GET ${FEED}`]: (call) =>
        call.query.get("before") === "11"
          ? ok({ results: [activity(10), activity(9)], next: null })
          : ok({
              results: [activity(12), activity(11)],
              next: "http://testserver/api/v1/moderation/activity?before=11&limit=50",
            }),
    });
    render(<ActivityPage />);
    const person = userEvent.setup({ delay: null });

    await person.click(await screen.findByRole("button", { name: "Older" }));

    await waitFor(() => expect(shown()).toHaveLength(4));
    expect(shown().map(([, summary]) => summary)).toEqual([
      "maya added a pet #12",
      "maya added a pet #11",
      "maya added a pet #10",
      "maya added a pet #9",
    ]);
    expect(queries(api)).toEqual(["limit=50", "before=11&limit=50"]);
    expect(screen.queryByRole("button", { name: "Older" })).toBeNull();
  });
});
