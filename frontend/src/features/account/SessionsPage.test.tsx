import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { LoginSession } from "../../api/types";
import { apiError, fakeApi, ok } from "../../test/fakeApi";
import { SessionsPage } from "./SessionsPage";

const SESSIONS: LoginSession[] = [
  { id: 5, created_at: "2025-06-01T12:00:00Z", last_used_at: "2025-06-02T08:00:00Z", user_agent: "Firefox on Linux", current: true },
  { id: 4, created_at: "2025-05-20T09:00:00Z", last_used_at: "2025-05-30T18:00:00Z", user_agent: "Pawdate for iOS", current: false },
  { id: 2, created_at: "2025-05-01T09:00:00Z", last_used_at: "2025-05-01T09:00:00Z", user_agent: "", current: false },
];

const devices = () => screen.queryAllByRole("listitem").map((item) => item.querySelector("strong")?.textContent);

describe("SessionsPage", () => {
  it("lists the sessions, this device marked and not offered for logging out", async () => {
    fakeApi({ "GET /api/v1/auth/sessions": ok({ results: SESSIONS, next: null }) });
    render(<SessionsPage />);

    await waitFor(() => expect(devices()).toEqual(["Firefox on Linux", "Pawdate for iOS", "Unknown device"]));
    const [current] = screen.getAllByRole("listitem");
    expect(current?.textContent).toContain("This device");
    expect(screen.getAllByRole("button", { name: "Log this device out" })).toHaveLength(2);
  });

  it("logs another device out", async () => {
    const api = fakeApi({
      "GET /api/v1/auth/sessions": ok({ results: SESSIONS, next: null }),
      "DELETE /api/v1/auth/sessions/4": { status: 204 },
    });
    render(<SessionsPage />);
    await waitFor(() => expect(devices()).toHaveLength(3));

    await userEvent.setup({ delay: null }).click(screen.getAllByRole("button", { name: "Log this device out" })[0] as HTMLElement);

    await waitFor(() => expect(devices()).toEqual(["Firefox on Linux", "Unknown device"]));
    expect(api.callsTo("DELETE", "/api/v1/auth/sessions/4")).toHaveLength(1);
  });

  it("says when the sessions could not be loaded", async () => {
    fakeApi({ "GET /api/v1/auth/sessions": apiError(503, "unavailable", "The service is temporarily unavailable.") });
    render(<SessionsPage />);

    expect((await screen.findByRole("alert")).textContent).toBe("Your sessions could not be loaded.");
    expect(screen.queryByText("Loading…")).toBeNull();
  });
});
