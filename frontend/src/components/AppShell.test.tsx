// The signed-in frame of every screen, as the app composes it (App: session, socket, shell),
// against a fake API and a fake WebSocket server.
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../App";
import { setAccess } from "../api/http";
import type { User } from "../api/types";
import {
  fakeApi,
  fakeWebSocket,
  ok,
  playdate,
  sessionRoutes,
  signedInCookie,
  user,
  type FakeWebSocket,
  type Routes,
} from "../test/fakeApi";

const ME = user({ id: 7 });
const MODERATOR = user({ id: 1, email: "mod@pawdate.local", username: "mod", role: "moderator" });

/** Opens the app at `path` with a live session of `me`. */
function openApp(path: string, me: User, routes: Routes = {}) {
  let tickets = 0;
  const api = fakeApi({
    ...sessionRoutes(me),
    "POST /api/v1/realtime/ticket": () => ok({ ticket: `ticket-${(tickets += 1)}`, expires_in: 30 }),
    "GET /api/v1/playdates/": ok({ results: [], next: null }),
    "GET /api/v1/auth/sessions": ok({
      results: [
        { id: 5, created_at: "2025-06-01T12:00:00Z", last_used_at: "2025-06-02T08:00:00Z", user_agent: "Firefox on Linux", current: true },
      ],
      next: null,
    }),
    "POST /api/v1/auth/browser/logout": { status: 204 },
    ...routes,
  });
  const sockets = fakeWebSocket();
  signedInCookie(true);
  window.history.replaceState(null, "", path);
  render(<App />);
  return { api, sockets };
}

async function connected(sockets: typeof FakeWebSocket): Promise<FakeWebSocket> {
  await waitFor(() => expect(sockets.sockets).toHaveLength(1));
  return sockets.latest();
}

function mainLinks(): [string, string | null][] {
  const nav = screen.getByRole("navigation", { name: "Main" });
  return within(nav)
    .getAllByRole("link")
    .map((link) => [link.textContent ?? "", link.getAttribute("href")]);
}

describe("AppShell", () => {
  afterEach(() => {
    setAccess(null);
    signedInCookie(false);
    window.history.replaceState(null, "", "/");
  });

  it("links every screen of an owner and marks the current one", async () => {
    openApp("/sessions", ME);

    expect(await screen.findByRole("heading", { name: "Where you are logged in" })).toBeTruthy();
    expect(mainLinks()).toEqual([
      ["Suggestions", "/"],
      ["Playdates", "/playdates"],
      ["My pets", "/pets"],
      ["Profile", "/profile"],
      ["Sessions", "/sessions"],
    ]);
    expect(screen.getByRole("link", { current: "page" }).textContent).toBe("Sessions");
    expect(screen.getByRole("link", { name: "Skip to content" }).getAttribute("href")).toBe("#main");
  });

  it("gives a moderator the moderation link too", async () => {
    openApp("/sessions", MODERATOR);

    await screen.findByRole("heading", { name: "Where you are logged in" });
    expect(mainLinks().at(-1)).toEqual(["Moderation", "/moderation"]);
  });

  it("sends an owner with no session to the login screen", async () => {
    const api = fakeApi();
    window.history.replaceState(null, "", "/sessions");
    render(<App />);

    expect(await screen.findByRole("button", { name: "Log in" })).toBeTruthy();
    expect(window.location.pathname).toBe("/login");
    expect(api.calls).toEqual([]); // no cookie: nothing to ask the server
  });

  it("says when the live connection is not up, and resumes where it left off", async () => {
    const { sockets } = openApp("/sessions", ME);

    const first = await connected(sockets);
    expect(screen.getByRole("status").textContent).toBe("Connecting…");
    expect(first.url).toBe("ws://localhost:3000/ws/?ticket=ticket-1");

    act(() => first.accept(ME.id, 41));
    expect(screen.queryByText("Connecting…")).toBeNull();
    expect(screen.queryByText("Reconnecting…")).toBeNull();

    act(() => first.drop(1006));
    expect(screen.getByRole("status").textContent).toBe("Reconnecting…");

    await waitFor(() => expect(sockets.sockets).toHaveLength(2));
    const second = sockets.latest();
    expect(second.params.get("ticket")).toBe("ticket-2");
    expect(second.params.get("since")).toBe("41");
    expect(screen.getByRole("status").textContent).toBe("Reconnecting…");

    act(() => second.accept(ME.id, 41));
    expect(screen.queryByText("Reconnecting…")).toBeNull();
  });

  it("counts the invitations waiting for my answer, live", async () => {
    const { api, sockets } = openApp("/sessions", ME, {
      "GET /api/v1/playdates/": ok({
        results: [playdate(), playdate({ id: 32, inviter_id: 7, invitee_id: 9, awaiting_user_id: 9 })],
        next: null,
      }),
    });

    expect(await screen.findByLabelText("1 waiting for your answer")).toBeTruthy();
    const socket = await connected(sockets);
    act(() => socket.accept(ME.id, 41));
    // The first connection resumes nothing: the playdates are reloaded.
    await waitFor(() => expect(api.callsTo("GET", "/api/v1/playdates/")).toHaveLength(2));
    expect(api.callsTo("GET", "/api/v1/playdates/")[0]?.query.toString()).toBe("limit=100");
    await screen.findByLabelText("1 waiting for your answer");

    act(() =>
      socket.push({
        type: "playdate.invited",
        seq: 42,
        ts: "2025-06-01T12:05:00Z",
        data: { playdate: playdate({ id: 33, updated_at: "2025-06-01T12:05:00Z" }) },
      }),
    );
    expect(screen.getByLabelText("2 waiting for your answer").textContent).toBe("2");

    act(() =>
      socket.push({
        type: "playdate.updated",
        seq: 43,
        ts: "2025-06-01T12:06:00Z",
        data: { playdate: playdate({ status: "accepted", awaiting_user_id: null, updated_at: "2025-06-01T12:06:00Z" }) },
      }),
    );
    expect(screen.getByLabelText("1 waiting for your answer").textContent).toBe("1");
  });

  it("logs out: the server forgets the session, the socket closes, the login screen shows", async () => {
    const { api, sockets } = openApp("/sessions", ME);
    const socket = await connected(sockets);
    act(() => socket.accept(ME.id, 41));

    await userEvent.setup({ delay: null }).click(screen.getByRole("button", { name: "Log out" }));

    expect(await screen.findByRole("button", { name: "Log in" })).toBeTruthy();
    const logout = api.callsTo("POST", "/api/v1/auth/browser/logout");
    expect(logout).toHaveLength(1);
    expect(logout[0]?.headers["x-pawdate-client"]).toBe("web");
    expect(socket.readyState).toBe(3);
    expect(window.location.pathname).toBe("/login");
  });

  it("logs a suspended owner out when the server closes the socket with 4403", async () => {
    const { sockets } = openApp("/sessions", ME);
    const socket = await connected(sockets);
    act(() => socket.accept(ME.id, 41));

    act(() => socket.drop(4403));

    expect(await screen.findByRole("button", { name: "Log in" })).toBeTruthy();
    expect(sockets.sockets).toHaveLength(1); // no reconnecting
  });

  it("sends feedback with the page it was written on", async () => {
    const { api } = openApp("/sessions", ME, {
      "POST /api/v1/feedback": ok(
        { id: 9, user_id: 7, message: "Love it", page: "/sessions", created_at: "2025-06-01T12:00:00Z" },
        201,
      ),
    });
    const person = userEvent.setup({ delay: null });
    await screen.findByRole("heading", { name: "Where you are logged in" });

    await person.click(screen.getByRole("button", { name: "Feedback" }));
    expect(screen.getByRole("button", { name: "Send" })).toHaveProperty("disabled", true);
    await person.type(screen.getByLabelText("What do you think of Pawdate?"), "Love it");
    await person.click(screen.getByRole("button", { name: "Send" }));

    expect((await screen.findByText("Thank you! We read every message.")).getAttribute("role")).toBe("status");
    expect(api.callsTo("POST", "/api/v1/feedback").map((call) => call.body)).toEqual([
      { message: "Love it", page: "/sessions" },
    ]);
    expect(screen.getByLabelText("What do you think of Pawdate?")).toHaveProperty("value", "");
  });

  it("shows a moderator the activity that streams in over the socket", async () => {
    const { sockets } = openApp("/moderation", MODERATOR, {
      "GET /api/v1/moderation/activity": ok({
        results: [
          {
            id: 11, kind: "pet.created", actor_id: 7, subject: { type: "pet", id: 3 }, target_user_id: null,
            summary: "maya added Rex", metro: "new-york", created_at: "2025-06-01T12:00:00Z",
          },
        ],
        next: null,
      }),
    });
    await screen.findByText("maya added Rex");
    const socket = await connected(sockets);
    act(() => socket.accept(MODERATOR.id, 7));

    act(() =>
      socket.push({
        type: "moderation.activity",
        seq: 8,
        ts: "2025-06-01T12:01:00Z",
        data: {
          activity: {
            id: 12, kind: "report.filed", actor_id: 9, subject: { type: "message", id: 40 }, target_user_id: 7,
            summary: "<b>sam</b> reported a message", metro: "new-york", created_at: "2025-06-01T12:01:00Z",
          },
        },
      }),
    );

    const items = within(screen.getByRole("list")).getAllByRole("listitem");
    expect(items.map((item) => item.getAttribute("data-kind"))).toEqual(["report.filed", "pet.created"]);
    expect(items[0]?.textContent).toContain("<b>sam</b> reported a message");
    expect(screen.getByRole("navigation", { name: "Moderation" })).toBeTruthy();
  });
});
