// The chat screen inside the app, against a fake API and socket: a sent message shows as
// "Sending…" until the server's copy of it (matched by its ref, never by its text) arrives.
import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../../App";
import { setAccess } from "../../api/http";
import type { AckFrame, Message } from "../../realtime/types";
import {
  fakeApi,
  fakeWebSocket,
  ok,
  sessionRoutes,
  signedInCookie,
  user,
  type ApiCall,
  type FakeWebSocket,
  type Routes,
} from "../../test/fakeApi";

const ME = user({ id: 7 });
const PLAYDATE = 90;
const MESSAGES = `/api/v1/playdates/${PLAYDATE}/messages`;

function message(id: number, body: string, ref: string | null): Message {
  return {
    id,
    playdate_id: PLAYDATE,
    sender_id: ME.id,
    sender_name: ME.username,
    body,
    created_at: "2030-06-01T12:00:00Z",
    hidden: false,
    ref,
  };
}

function openChat(routes: Routes = {}) {
  const api = fakeApi({
    ...sessionRoutes(ME),
    "GET /api/v1/playdates/": ok({ results: [], next: null }),
    [`GET ${MESSAGES}`]: ok({ results: [], next: null }),
    ...routes,
  });
  const sockets = fakeWebSocket();
  signedInCookie(true);
  window.history.replaceState(null, "", `/playdates/${PLAYDATE}/chat`);
  render(<App />);
  return { api, sockets };
}

/** The conversation as shown: each message's text, and whether it is still being sent. */
function conversation(): string[] {
  return [...document.querySelectorAll(".messages > .message")].map(
    (item) => `${item.querySelector(".message__body")?.textContent}${item.classList.contains("message--pending") ? " (sending)" : ""}`,
  );
}

/** The server answers a `chat.send` (`push` takes events only). */
function ack(socket: FakeWebSocket, stored: Message) {
  const frame: AckFrame = { type: "ack", ref: stored.ref ?? null, data: { message: stored } };
  act(() => socket.onmessage?.({ data: JSON.stringify(frame) }));
}

async function write(person: ReturnType<typeof userEvent.setup>, body: string) {
  await person.type(screen.getByLabelText("Message"), body);
  await person.click(screen.getByRole("button", { name: "Send" }));
}

describe("ChatPage", () => {
  afterEach(() => {
    setAccess(null);
    signedInCookie(false);
    window.history.replaceState(null, "", "/");
  });

  it("matches a sent message to its event and ack by ref, even when two say the same", async () => {
    const { api, sockets } = openChat();
    await waitFor(() => expect(sockets.sockets).toHaveLength(1));
    const socket = sockets.latest();
    act(() => socket.accept(ME.id, 0));
    const person = userEvent.setup({ delay: null });
    await screen.findByLabelText("Message");

    await write(person, "ok");
    await write(person, "ok");
    const sends = socket.sent.map((frame) => JSON.parse(frame) as { type: string; ref: string; data: unknown }).filter((frame) => frame.type === "chat.send");
    expect(sends.map((frame) => frame.data)).toEqual([
      { playdate_id: PLAYDATE, body: "ok" },
      { playdate_id: PLAYDATE, body: "ok" },
    ]);
    const [first, second] = sends.map((frame) => frame.ref);
    expect(first).not.toBe(second);
    expect(conversation()).toEqual(["ok (sending)", "ok (sending)"]);

    // An "ok" from my other tab is not one of these two.
    act(() => socket.push({ type: "chat.message", seq: 1, ts: "2030-06-01T12:00:00Z", data: { message: message(10, "ok", "other-tab") } }));
    expect(conversation()).toEqual(["ok", "ok (sending)", "ok (sending)"]);

    // The first one's event comes before its ack.
    act(() => socket.push({ type: "chat.message", seq: 2, ts: "2030-06-01T12:00:00Z", data: { message: message(11, "ok", first!) } }));
    expect(conversation()).toEqual(["ok", "ok", "ok (sending)"]);
    ack(socket, message(11, "ok", first!));
    await waitFor(() => expect(conversation()).toEqual(["ok", "ok", "ok (sending)"]));

    // The second one's ack comes first.
    ack(socket, message(12, "ok", second!));
    await waitFor(() => expect(conversation()).toEqual(["ok", "ok", "ok"]));
    act(() => socket.push({ type: "chat.message", seq: 3, ts: "2030-06-01T12:00:00Z", data: { message: message(12, "ok", second!) } }));
    expect(conversation()).toEqual(["ok", "ok", "ok"]);
    expect(api.callsTo("POST", MESSAGES)).toEqual([]);
  });

  it("sends over REST while the socket is not open, and retries a failed send with its ref", async () => {
    let offline = true;
    const { api } = openChat({
      [`POST ${MESSAGES}`]: (call: ApiCall) => {
        if (offline) throw new TypeError("Failed to fetch");
        const { body, ref } = call.body as { body: string; ref: string };
        return ok(message(20, body, ref), 201);
      },
    });
    const person = userEvent.setup({ delay: null });
    await screen.findByLabelText("Message");

    await write(person, "Park at 3?");
    expect(await screen.findByText("Not sent yet: you seem to be offline.", { exact: false })).toBeTruthy();
    expect(conversation()).toEqual(["Park at 3? (sending)"]);

    offline = false;
    await person.click(screen.getByRole("button", { name: "Retry" }));
    await waitFor(() => expect(conversation()).toEqual(["Park at 3?"]));
    const [tried, retried] = api.callsTo("POST", MESSAGES).map((call) => call.body as { body: string; ref: string });
    expect(retried).toEqual(tried);
    expect(tried?.body).toBe("Park at 3?");
    expect(tried?.ref).toMatch(/^[0-9a-f-]{36}$/);
  });
});
