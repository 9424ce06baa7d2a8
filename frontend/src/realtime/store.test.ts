import { describe, expect, it } from "vitest";
import {
  FEED_CAP,
  TYPING_TTL_MS,
  applyFrame,
  awaitingCount,
  initialState,
  reducer,
  totalUnread,
  typingUserIds,
  type RealtimeState,
} from "./store";
import type { Activity, DurableEvent, InboundFrame, Message, Playdate, ReviewedReport, Suggestion } from "./types";

const ME = 7;
const THEM = 8;
const NOW = Date.parse("2025-06-01T12:00:00Z");
let seq = 0;

function durable(frame: Omit<DurableEvent, "seq" | "ts">): InboundFrame {
  seq += 1;
  return { ...frame, seq, ts: "2025-06-01T12:00:00Z" } as DurableEvent;
}

function apply(state: RealtimeState, ...frames: InboundFrame[]): RealtimeState {
  return frames.reduce((current, frame) => applyFrame(current, frame, NOW), state);
}

function playdate(over: Partial<Playdate> = {}): Playdate {
  return {
    id: 1,
    pet_id_1: 10,
    pet_id_2: 20,
    inviter_id: THEM,
    invitee_id: ME,
    date_time: "2025-06-08T15:00:00Z",
    location_name: "Prospect Park",
    latitude: null,
    longitude: null,
    message: "",
    status: "pending",
    awaiting_user_id: ME,
    created_at: "2025-06-01T10:00:00Z",
    updated_at: "2025-06-01T10:00:00Z",
    pet_1: { id: 10, name: "Luna", species: "cat" },
    pet_2: { id: 20, name: "Rex", species: "dog" },
    ...over,
  };
}

function message(id: number, sender_id: number | null = THEM, playdate_id = 1): Message {
  return { id, playdate_id, sender_id, sender_name: "x", body: `m${id}`, created_at: "2025-06-01T11:00:00Z" };
}

function suggestion(petId: number, score = 0.8): Suggestion {
  return {
    pet: {
      id: petId,
      owner_id: THEM,
      name: "Rex",
      species: "dog",
      breed: "",
      age: 3,
      size: "medium",
      energy: "high",
      temperament: ["playful"],
      vaccinated: true,
      bio: "",
      created_at: "2025-01-01T00:00:00Z",
    },
    owner: { id: THEM, username: "sam" },
    distance_km: 1.5,
    score,
    reasons: {},
    suggested_slots: [],
  };
}

function activity(id: number): Activity {
  return { id, kind: "pet.created", actor_id: 3, subject: { type: "pet", id }, summary: "", created_at: "2025-06-01T11:00:00Z" };
}

const hello: InboundFrame = { type: "hello", data: { user_id: ME, last_seq: 0 } };
const start = () => apply(initialState(), hello);

describe("hello and presence", () => {
  it("takes the user id from the hello and starts presence afresh on every hello", () => {
    let state = start();
    expect(state.userId).toBe(ME);
    state = apply(state, { type: "presence", data: { user_id: THEM, online: true } });
    expect(state.presence).toEqual({ [THEM]: true });
    state = apply(state, { type: "presence", data: { user_id: THEM, online: false } });
    expect(state.presence).toEqual({});
    state = apply(state, { type: "presence", data: { user_id: THEM, online: true } }, hello);
    expect(state.presence).toEqual({});
  });

  it("returns the same state when nothing changes", () => {
    const state = apply(start(), { type: "presence", data: { user_id: THEM, online: true } });
    expect(apply(state, { type: "presence", data: { user_id: THEM, online: true } })).toBe(state);
  });
});

describe("playdates", () => {
  it("upserts by id on invited and updated, and counts those awaiting me", () => {
    let state = apply(start(), durable({ type: "playdate.invited", data: { playdate: playdate() } }));
    state = apply(state, durable({ type: "playdate.invited", data: { playdate: playdate({ id: 2, inviter_id: ME, invitee_id: THEM, awaiting_user_id: THEM }) } }));
    expect(Object.keys(state.playdates)).toHaveLength(2);
    expect(awaitingCount(state)).toBe(1);

    const accepted = playdate({ status: "accepted", awaiting_user_id: null, updated_at: "2025-06-01T11:00:00Z" });
    state = apply(state, durable({ type: "playdate.updated", data: { playdate: accepted } }));
    expect(state.playdates[1]?.status).toBe("accepted");
    expect(awaitingCount(state)).toBe(0);
  });

  it("never lets an older snapshot overwrite a newer one", () => {
    const newer = playdate({ status: "declined", awaiting_user_id: null, updated_at: "2025-06-01T11:00:00Z" });
    const state = reducer(start(), { type: "playdates.loaded", playdates: [newer] });
    expect(apply(state, durable({ type: "playdate.invited", data: { playdate: playdate() } }))).toBe(state);
  });

  it("keeps the pets' names when a replayed event from before events carried them arrives", () => {
    const state = apply(start(), durable({ type: "playdate.invited", data: { playdate: playdate() } }));
    const unnamed = playdate({ status: "accepted", updated_at: "2025-06-01T11:00:00Z" });
    delete unnamed.pet_1;
    delete unnamed.pet_2;

    const next = apply(state, durable({ type: "playdate.updated", data: { playdate: unnamed } }));

    expect(next.playdates[1]?.status).toBe("accepted");
    expect([next.playdates[1]?.pet_1?.name, next.playdates[1]?.pet_2?.name]).toEqual(["Luna", "Rex"]);
  });

  it("leaves pending playdates past their time out of the badge", () => {
    const state = apply(start(), durable({ type: "playdate.invited", data: { playdate: playdate({ date_time: "2025-06-01T09:00:00Z" }) } }));
    expect(awaitingCount(state)).toBe(1);
    expect(awaitingCount(state, NOW)).toBe(0);
  });
});

describe("chat", () => {
  it("appends messages once, in id order, and counts the other side's as unread", () => {
    let state = apply(
      start(),
      durable({ type: "chat.message", data: { message: message(2) } }),
      durable({ type: "chat.message", data: { message: message(2) } }),
      durable({ type: "chat.message", data: { message: message(3, ME) } }),
    );
    expect(state.chats[1]?.messages.map((m) => m.id)).toEqual([2, 3]);
    expect(state.chats[1]?.unread).toBe(1);
    state = reducer(state, { type: "messages.loaded", playdateId: 1, messages: [message(1), message(2)] });
    expect(state.chats[1]?.messages.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(totalUnread(state)).toBe(1);
  });

  it("records read receipts per user, never backwards, and clears my unread when I read elsewhere", () => {
    let state = apply(
      start(),
      durable({ type: "chat.message", data: { message: message(1) } }),
      durable({ type: "chat.message", data: { message: message(2) } }),
      durable({ type: "chat.message", data: { message: message(3, ME) } }),
    );
    expect(state.chats[1]?.unread).toBe(2);
    state = apply(state, durable({ type: "chat.read", data: { playdate_id: 1, user_id: THEM, message_id: 3 } }));
    expect(state.chats[1]?.reads).toEqual({ [THEM]: 3 });
    state = apply(state, durable({ type: "chat.read", data: { playdate_id: 1, user_id: ME, message_id: 1 } }));
    expect(state.chats[1]?.unread).toBe(1);
    state = apply(state, durable({ type: "chat.read", data: { playdate_id: 1, user_id: ME, message_id: 2 } }));
    expect(state.chats[1]?.unread).toBe(0);
    const before = state;
    expect(apply(state, durable({ type: "chat.read", data: { playdate_id: 1, user_id: ME, message_id: 1 } }))).toBe(before);
    // A message at or below my read mark (a replay) is not unread.
    state = apply(reducer(state, { type: "reset" }), durable({ type: "chat.read", data: { playdate_id: 1, user_id: ME, message_id: 5 } }));
    state = apply(state, durable({ type: "chat.message", data: { message: message(4) } }));
    expect(state.chats[1]?.unread).toBe(0);
  });

  it("removes a hidden message", () => {
    let state = apply(
      start(),
      durable({ type: "chat.message", data: { message: message(1) } }),
      durable({ type: "chat.message", data: { message: message(2) } }),
    );
    state = apply(state, durable({ type: "chat.hidden", data: { playdate_id: 1, message_id: 1 } }));
    expect(state.chats[1]?.messages.map((m) => m.id)).toEqual([2]);
    expect(state.chats[1]?.unread).toBe(1);
    expect(apply(state, durable({ type: "chat.hidden", data: { playdate_id: 1, message_id: 1 } }))).toBe(state);
  });

  it("shows typing until it expires or the message arrives", () => {
    let state = apply(start(), { type: "chat.typing", data: { playdate_id: 1, user_id: THEM } });
    expect(typingUserIds(state, 1, NOW)).toEqual([THEM]);
    expect(typingUserIds(state, 1, NOW + TYPING_TTL_MS)).toEqual([]);
    expect(reducer(state, { type: "typing.expire", now: NOW + 1 })).toBe(state);
    const expired = reducer(state, { type: "typing.expire", now: NOW + TYPING_TTL_MS });
    expect(expired.chats[1]?.typing).toEqual({});
    state = apply(state, durable({ type: "chat.message", data: { message: message(1) } }));
    expect(typingUserIds(state, 1, NOW)).toEqual([]);
  });

  it("opening a conversation clears its unread count", () => {
    const state = apply(start(), durable({ type: "chat.message", data: { message: message(1) } }));
    expect(reducer(state, { type: "chat.opened", playdateId: 1 }).chats[1]?.unread).toBe(0);
  });
});

describe("suggestions, moderation and reports", () => {
  it("prepends suggestions, dedupes by pet and counts the new ones", () => {
    let state = apply(
      start(),
      durable({ type: "match.suggested", data: { for_pet_id: 1, suggestion: suggestion(100) } }),
      durable({ type: "match.suggested", data: { for_pet_id: 1, suggestion: suggestion(101) } }),
      durable({ type: "match.suggested", data: { for_pet_id: 1, suggestion: suggestion(100, 0.9) } }),
      durable({ type: "match.suggested", data: { for_pet_id: 2, suggestion: suggestion(100) } }),
    );
    expect(state.suggestions.items.map((item) => [item.for_pet_id, item.suggestion.pet.id])).toEqual([
      [2, 100],
      [1, 101],
      [1, 100],
    ]);
    expect(state.suggestions.items[2]?.suggestion.score).toBe(0.9);
    expect(state.suggestions.newCount).toBe(3);
    state = reducer(state, { type: "suggestions.seen" });
    expect(state.suggestions.newCount).toBe(0);
  });

  it("keeps the moderation feed newest first, deduped and capped", () => {
    let state = start();
    for (let id = 1; id <= FEED_CAP + 5; id += 1) {
      state = apply(state, durable({ type: "moderation.activity", data: { activity: activity(id) } }));
    }
    state = apply(state, durable({ type: "moderation.activity", data: { activity: activity(FEED_CAP + 5) } }));
    expect(state.moderation.items).toHaveLength(FEED_CAP);
    expect(state.moderation.items[0]?.id).toBe(FEED_CAP + 5);
    expect(state.moderation.newCount).toBe(FEED_CAP + 5);
    expect(reducer(state, { type: "moderation.seen" }).moderation.newCount).toBe(0);
  });

  it("lists reviewed reports once", () => {
    const report: ReviewedReport = {
      id: 4,
      target: { type: "message", id: 9 },
      reason: "spam",
      status: "resolved",
      outcome: "action_taken",
      reviewed_at: "2025-06-01T11:00:00Z",
    };
    const state = apply(
      start(),
      durable({ type: "report.reviewed", data: { report } }),
      durable({ type: "report.reviewed", data: { report } }),
    );
    expect(state.reports.items).toEqual([report]);
    expect(state.reports.newCount).toBe(1);
  });

  it("reset clears everything but the user", () => {
    const state = apply(start(), durable({ type: "playdate.invited", data: { playdate: playdate() } }));
    expect(reducer(state, { type: "reset" })).toEqual(initialState(ME));
  });
});
