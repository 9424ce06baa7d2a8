// The profile screen inside the app (session, live socket, shell), against a fake API and socket.
import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../../App";
import { setAccess } from "../../api/http";
import type { User } from "../../api/types";
import {
  METROS,
  fakeApi,
  fakeWebSocket,
  ok,
  playdate,
  sessionRoutes,
  signedInCookie,
  user,
  type ApiCall,
} from "../../test/fakeApi";

const ME = user({ id: 7, location: "New York", metro: "new-york" });

function openProfile() {
  const api = fakeApi({
    ...sessionRoutes(ME),
    "GET /api/v1/playdates/": ok({ results: [], next: null }),
    "GET /api/v1/metros": ok(METROS),
    // The server answers a PATCH with the whole user: a new object each time.
    "PATCH /api/v1/me": (call: ApiCall) => ok({ ...ME, ...(call.body as Partial<User>) }),
  });
  const sockets = fakeWebSocket();
  signedInCookie(true);
  window.history.replaceState(null, "", "/profile");
  render(<App />);
  return { api, sockets };
}

describe("ProfilePage", () => {
  afterEach(() => {
    setAccess(null);
    signedInCookie(false);
    window.history.replaceState(null, "", "/");
  });

  it("saves the profile without restarting the live connection or losing what it brought", async () => {
    const { api, sockets } = openProfile();
    await waitFor(() => expect(sockets.sockets).toHaveLength(1));
    const socket = sockets.latest();
    act(() => socket.accept(ME.id, 41));
    act(() =>
      socket.push({ type: "playdate.invited", seq: 42, ts: "2025-06-01T12:05:00Z", data: { playdate: playdate() } }),
    );
    expect(screen.getByLabelText("1 waiting for your answer")).toBeTruthy();
    const person = userEvent.setup({ delay: null });

    await person.clear(screen.getByLabelText("Location"));
    await person.type(screen.getByLabelText("Location"), "Park Slope");
    await person.click(screen.getByRole("button", { name: "Save" }));

    expect((await screen.findByText("Saved.")).getAttribute("role")).toBe("status");
    expect(api.callsTo("PATCH", "/api/v1/me")[0]?.body).toMatchObject({ location: "Park Slope" });
    // Time for a reconnection to happen, were one started.
    await act(() => new Promise((settle) => setTimeout(settle, 50)));
    expect(sockets.sockets).toHaveLength(1);
    expect(socket.readyState).toBe(1);
    expect(api.callsTo("POST", "/api/v1/realtime/ticket")).toHaveLength(1);
    expect(screen.getByLabelText("1 waiting for your answer")).toBeTruthy();
    expect(screen.queryByText("Reconnecting…")).toBeNull();
  });
});
