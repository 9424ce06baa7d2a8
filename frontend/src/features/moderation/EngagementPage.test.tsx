import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { METROS, apiError, deferred, fakeApi, ok, type Answer } from "../../test/fakeApi";
import { EngagementPage } from "./EngagementPage";

function day(date: string, dau: number, newUsers: number, sent: number, accepted: number) {
  return {
    date,
    dau,
    wau: dau,
    mau: dau,
    new_users: newUsers,
    new_pets: 0,
    suggestions_shown: 0,
    invitations_sent: sent,
    invitations_accepted: accepted,
    acceptance_rate: sent ? accepted / sent : null,
    median_seconds_to_accept: null,
    p90_seconds_to_accept: null,
    messages_sent: 0,
    playdates_completed: 0,
  };
}

const FIGURES = {
  start: "2025-06-01",
  end: "2025-06-02",
  metro: null,
  days: [day("2025-06-01", 40, 3, 10, 4), day("2025-06-02", 60, 5, 5, 2)],
  totals: {
    new_users: 8,
    new_pets: 0,
    suggestions_shown: 200,
    invitations_sent: 16,
    invitations_accepted: 6,
    acceptance_rate: 0.375,
    median_seconds_to_accept: 5400,
    p90_seconds_to_accept: 20000,
    messages_sent: 0,
    playdates_completed: 1,
  },
  active_users: { as_of: "2025-06-02", dau: 60, wau: 120, mau: 1500, average_dau: 50, stickiness: 0.0333 },
  funnel: {
    suggested: 200,
    invited: 16,
    accepted: 6,
    completed: 1,
    invited_per_suggested: 0.08,
    accepted_per_invited: 0.375,
    completed_per_accepted: null,
  },
  cohorts: [
    { week: "2025-05-26", size: 8, retention: [{ week: 1, active: 4, rate: 0.5 }] },
  ],
};

const ENGAGEMENT = "/api/v1/metrics/engagement";
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe("EngagementPage", () => {
  it("asks for the last 30 days, then for the range and metro area chosen", async () => {
    const api = fakeApi({ "GET /api/v1/metros": ok(METROS), [`GET ${ENGAGEMENT}`]: ok(FIGURES) });
    const now = Date.now();
    render(<EngagementPage />);
    const person = userEvent.setup({ delay: null });
    await screen.findByRole("img", { name: "Invitations per day" });

    await person.selectOptions(screen.getByRole("combobox", { name: "Range" }), "7");
    await waitFor(() => expect(api.callsTo("GET", ENGAGEMENT)).toHaveLength(2));
    await person.selectOptions(screen.getByRole("combobox", { name: "Metro area" }), "Paris");
    await screen.findByRole("img", { name: "Invitations per day" });

    const queries = api.callsTo("GET", ENGAGEMENT).map((call) => Object.fromEntries(call.query));
    expect(queries).toEqual([
      { start: iso(now - 29 * 86_400_000), end: iso(now) },
      { start: iso(now - 6 * 86_400_000), end: iso(now) },
      { start: iso(now - 6 * 86_400_000), end: iso(now), metro: "paris" },
    ]);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("offers only the metro areas the server knows, by name", async () => {
    fakeApi({ "GET /api/v1/metros": ok(METROS), [`GET ${ENGAGEMENT}`]: ok(FIGURES) });
    render(<EngagementPage />);

    await screen.findByRole("option", { name: "Paris" });
    const options = within(screen.getByRole("combobox", { name: "Metro area" })).getAllByRole("option");
    expect(options.map((option) => [option.textContent, option.getAttribute("value")])).toEqual([
      ["All", ""],
      ["Berlin", "berlin"],
      ["New York", "new-york"],
      ["Paris", "paris"],
    ]);
    expect(screen.queryByRole("textbox")).toBeNull();
  });

  it("shows only the figures for the metro area chosen last", async () => {
    const slow = deferred<Answer>();
    const api = fakeApi({
      "GET /api/v1/metros": ok(METROS),
      [`GET ${ENGAGEMENT}`]: (call) => (call.query.get("metro") === "paris" ? slow.promise : ok(FIGURES)),
    });
    render(<EngagementPage />);
    const person = userEvent.setup({ delay: null });
    await screen.findByRole("option", { name: "Paris" });
    await screen.findByRole("img", { name: "Invitations per day" });

    await person.selectOptions(screen.getByRole("combobox", { name: "Metro area" }), "Paris");
    await person.selectOptions(screen.getByRole("combobox", { name: "Metro area" }), "Berlin");
    await screen.findByRole("img", { name: "Invitations per day" });
    await act(async () => {
      slow.resolve(ok({ ...FIGURES, active_users: { ...FIGURES.active_users, dau: 999 } }));
      await new Promise((settle) => setTimeout(settle, 50));
    });

    expect(document.querySelector(".stat__value")?.textContent).toBe("60");
    expect(api.callsTo("GET", ENGAGEMENT).map((call) => call.query.get("metro"))).toEqual([null, "paris", "berlin"]);
  });

  it("shows the figures, the charts and the cohorts", async () => {
    fakeApi({ [`GET ${ENGAGEMENT}`]: ok(FIGURES) });
    const { container } = render(<EngagementPage />);

    await screen.findByRole("img", { name: "Invitations per day" });
    const stats = [...container.querySelectorAll(".stat")].map((stat) => stat.textContent);
    expect(stats).toEqual([
      "60Daily active",
      "120Weekly active",
      `${(1500).toLocaleString()}Monthly active`,
      "3%Stickiness (DAU/MAU)",
      "38%Acceptance rate",
      "1.5 hMedian time to accept",
    ]);
    // Every chart is an image named by its own title.
    for (const chart of screen.getAllByRole("img")) {
      expect(chart.getAttribute("aria-label")).toBe(chart.querySelector("title")?.textContent);
    }
    const invitations = screen.getByRole("img", { name: "Invitations per day" });
    expect([...invitations.querySelectorAll("polyline")].map((line) => line.getAttribute("points"))).toEqual([
      "28,28 572,90", // sent: 10 (the top), then 5
      "28,102.4 572,127.2", // accepted: 4, then 2
    ]);
    const funnel = [...container.querySelectorAll(".bars li")].map((bar) => bar.textContent);
    expect(funnel).toEqual(["Suggested200", "Invited16 8%", "Accepted6 38%", "Completed1 –"]);
    const cohorts = within(screen.getByRole("table"));
    expect(cohorts.getAllByRole("columnheader").map((cell) => cell.textContent)).toEqual(["Week of", "Owners", "Week 1"]);
    expect(cohorts.getByRole("rowheader").textContent).toBe("2025-05-26");
    expect(cohorts.getAllByRole("cell").map((cell) => cell.textContent)).toEqual(["8", "50%"]);
  });

  it("says why the figures could not be loaded", async () => {
    fakeApi({
      [`GET ${ENGAGEMENT}`]: apiError(403, "permission_denied", "You do not have permission to perform this action."),
    });
    render(<EngagementPage />);

    expect((await screen.findByRole("alert")).textContent).toBe("You do not have permission to perform this action.");
    expect(screen.queryByText("Loading…")).toBeNull();
  });
});
