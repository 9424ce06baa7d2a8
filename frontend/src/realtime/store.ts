// Pure reducers (no React) that apply real-time frames to the app's state. Every reducer is
// idempotent, so a replay, a duplicate or an event already reflected by a REST answer changes
// nothing, and each returns the very same object when nothing changed (cheap re-renders).
//
// Use: client.onFrame((frame) => dispatch({ type: "frame", frame, now: Date.now() })), with
// `reducer` in React's useReducer; on the client's resync, dispatch "reset" and reload by REST
// ("playdates.loaded", "messages.loaded", ...).

import type {
  Activity,
  InboundFrame,
  Message,
  Playdate,
  ReviewedReport,
  Suggestion,
} from "./types";

/** A typing notice lasts this long: the server lets one through every 3 s while someone types. */
export const TYPING_TTL_MS = 5_000;
export const SUGGESTIONS_CAP = 100;
export const FEED_CAP = 200;

export interface ChatState {
  messages: Message[]; // oldest first, unique ids
  reads: Record<number, number>; // user id → the last message id they read
  typing: Record<number, number>; // user id → when the notice expires (ms since the epoch)
  unread: number; // the other side's messages past my read mark (as far as this state knows)
}

export interface SuggestionItem {
  for_pet_id: number; // which of my pets it suits
  suggestion: Suggestion;
}

export interface Feed<T> {
  items: T[]; // newest first, capped
  newCount: number; // arrived since the user last looked
}

export interface RealtimeState {
  userId: number | null; // from the hello (or "reset")
  playdates: Record<number, Playdate>;
  chats: Record<number, ChatState>;
  suggestions: Feed<SuggestionItem>;
  moderation: Feed<Activity>; // moderators only
  reports: Feed<ReviewedReport>; // my reports, reviewed
  presence: Record<number, boolean>; // partners' user id → online
}

export type StoreAction =
  | { type: "frame"; frame: InboundFrame; now: number }
  | { type: "reset"; userId?: number | null } // after a resync, before reloading by REST
  | { type: "playdates.loaded"; playdates: Playdate[] }
  | { type: "messages.loaded"; playdateId: number; messages: Message[]; unread?: number }
  | { type: "chat.opened"; playdateId: number } // the user reads the conversation: unread 0
  | { type: "suggestions.seen" }
  | { type: "moderation.seen" }
  | { type: "reports.seen" }
  | { type: "typing.expire"; now: number };

export function initialState(userId: number | null = null): RealtimeState {
  const feed = { items: [], newCount: 0 };
  return { userId, playdates: {}, chats: {}, suggestions: feed, moderation: feed, reports: feed, presence: {} };
}

const EMPTY_CHAT: ChatState = { messages: [], reads: {}, typing: {}, unread: 0 };

export function reducer(state: RealtimeState, action: StoreAction): RealtimeState {
  switch (action.type) {
    case "frame":
      return applyFrame(state, action.frame, action.now);
    case "reset":
      return initialState(action.userId === undefined ? state.userId : action.userId);
    case "playdates.loaded":
      return action.playdates.reduce(upsertPlaydate, state);
    case "messages.loaded": {
      let chat = action.messages.reduce(addMessage, chatOf(state, action.playdateId));
      if (action.unread !== undefined && chat.unread !== action.unread) chat = { ...chat, unread: action.unread };
      return withChat(state, action.playdateId, chat);
    }
    case "chat.opened": {
      const chat = chatOf(state, action.playdateId);
      return chat.unread === 0 ? state : withChat(state, action.playdateId, { ...chat, unread: 0 });
    }
    case "suggestions.seen":
      return state.suggestions.newCount === 0 ? state : { ...state, suggestions: { ...state.suggestions, newCount: 0 } };
    case "moderation.seen":
      return state.moderation.newCount === 0 ? state : { ...state, moderation: { ...state.moderation, newCount: 0 } };
    case "reports.seen":
      return state.reports.newCount === 0 ? state : { ...state, reports: { ...state.reports, newCount: 0 } };
    case "typing.expire":
      return expireTyping(state, action.now);
  }
}

/** One frame from the client (hello, durable or ephemeral event). */
export function applyFrame(state: RealtimeState, frame: InboundFrame, now: number): RealtimeState {
  switch (frame.type) {
    case "hello":
      // Presence is re-announced after every hello (who is online now); no "offline" ever
      // arrives for those who left while this client was away, so start from nobody.
      return {
        ...state,
        userId: frame.data.user_id,
        presence: Object.keys(state.presence).length ? {} : state.presence,
      };
    case "playdate.invited":
    case "playdate.updated":
      return upsertPlaydate(state, frame.data.playdate);
    case "chat.message": {
      const { message } = frame.data;
      const before = chatOf(state, message.playdate_id);
      let chat = addMessage(before, message);
      if (chat === before) return state;
      const fromOther = message.sender_id !== state.userId;
      if (fromOther && state.userId !== null && message.id > (chat.reads[state.userId] ?? 0)) {
        chat = { ...chat, unread: chat.unread + 1 };
      }
      if (message.sender_id !== null && chat.typing[message.sender_id] !== undefined) {
        chat = { ...chat, typing: without(chat.typing, message.sender_id) };
      }
      return withChat(state, message.playdate_id, chat);
    }
    case "chat.read": {
      const { playdate_id, user_id, message_id } = frame.data;
      const chat = chatOf(state, playdate_id);
      if ((chat.reads[user_id] ?? 0) >= message_id) return state;
      let unread = chat.unread;
      if (user_id === state.userId) {
        // I read on another device: what is still unread among the messages known here.
        const after = chat.messages.filter((m) => m.id > message_id && m.sender_id !== user_id).length;
        unread = Math.min(unread, after);
      }
      return withChat(state, playdate_id, { ...chat, reads: { ...chat.reads, [user_id]: message_id }, unread });
    }
    case "chat.hidden": {
      const { playdate_id, message_id } = frame.data;
      const chat = state.chats[playdate_id];
      const hidden = chat?.messages.find((m) => m.id === message_id);
      if (!chat || !hidden) return state;
      const wasUnread =
        state.userId !== null && hidden.sender_id !== state.userId && hidden.id > (chat.reads[state.userId] ?? 0);
      return withChat(state, playdate_id, {
        ...chat,
        messages: chat.messages.filter((m) => m.id !== message_id),
        unread: wasUnread ? Math.max(0, chat.unread - 1) : chat.unread,
      });
    }
    case "chat.typing": {
      const { playdate_id, user_id } = frame.data;
      if (user_id === state.userId) return state;
      const chat = chatOf(state, playdate_id);
      return withChat(state, playdate_id, { ...chat, typing: { ...chat.typing, [user_id]: now + TYPING_TTL_MS } });
    }
    case "presence": {
      const { user_id, online } = frame.data;
      if ((state.presence[user_id] ?? false) === online) return state;
      return { ...state, presence: online ? { ...state.presence, [user_id]: true } : without(state.presence, user_id) };
    }
    case "match.suggested": {
      const item = { for_pet_id: frame.data.for_pet_id, suggestion: frame.data.suggestion };
      const items = state.suggestions.items;
      const index = items.findIndex(
        (other) => other.for_pet_id === item.for_pet_id && other.suggestion.pet.id === item.suggestion.pet.id,
      );
      if (index >= 0) {
        // Already there: fresh figures in place, not "new" again.
        return { ...state, suggestions: { ...state.suggestions, items: items.map((x, i) => (i === index ? item : x)) } };
      }
      return {
        ...state,
        suggestions: { items: [item, ...items].slice(0, SUGGESTIONS_CAP), newCount: state.suggestions.newCount + 1 },
      };
    }
    case "moderation.activity": {
      const moderation = addToFeed(state.moderation, frame.data.activity);
      return moderation === state.moderation ? state : { ...state, moderation };
    }
    case "report.reviewed": {
      const reports = addToFeed(state.reports, frame.data.report);
      return reports === state.reports ? state : { ...state, reports };
    }
  }
}

// --- Selectors ---------------------------------------------------------------------------------

/** The badge: pending playdates waiting on the current user's answer (not yet past their time). */
export function awaitingCount(state: RealtimeState, now?: number): number {
  let count = 0;
  for (const playdate of Object.values(state.playdates)) {
    if (
      playdate.status === "pending" &&
      state.userId !== null &&
      playdate.awaiting_user_id === state.userId &&
      (now === undefined || Date.parse(playdate.date_time) > now)
    ) {
      count += 1;
    }
  }
  return count;
}

/** Who is typing in a conversation now (other than the current user). */
export function typingUserIds(state: RealtimeState, playdateId: number, now: number): number[] {
  const typing = state.chats[playdateId]?.typing ?? {};
  return Object.entries(typing)
    .filter(([, expires]) => expires > now)
    .map(([userId]) => Number(userId));
}

export function totalUnread(state: RealtimeState): number {
  return Object.values(state.chats).reduce((sum, chat) => sum + chat.unread, 0);
}

// --- Helpers -----------------------------------------------------------------------------------

/** Upsert by id; an older snapshot (a replay behind a REST answer) never overwrites a newer one,
 * and one recorded before events named the pets (`pet_1`, `pet_2`) keeps the names known. */
function upsertPlaydate(state: RealtimeState, playdate: Playdate): RealtimeState {
  const current = state.playdates[playdate.id];
  if (current && Date.parse(playdate.updated_at) < Date.parse(current.updated_at)) return state;
  return { ...state, playdates: { ...state.playdates, [playdate.id]: { ...current, ...playdate } } };
}

function chatOf(state: RealtimeState, playdateId: number): ChatState {
  return state.chats[playdateId] ?? EMPTY_CHAT;
}

function withChat(state: RealtimeState, playdateId: number, chat: ChatState): RealtimeState {
  return state.chats[playdateId] === chat ? state : { ...state, chats: { ...state.chats, [playdateId]: chat } };
}

/** Adds a message unless its id is there, keeping ids ascending (history pages merge too). */
function addMessage(chat: ChatState, message: Message): ChatState {
  const messages = chat.messages;
  const last = messages[messages.length - 1];
  if (!last || last.id < message.id) return { ...chat, messages: [...messages, message] };
  if (messages.some((m) => m.id === message.id)) return chat;
  return { ...chat, messages: [...messages, message].sort((a, b) => a.id - b.id) };
}

/** Inserts by id, newest first, unless there; capped at FEED_CAP. */
function addToFeed<T extends { id: number }>(feed: Feed<T>, item: T): Feed<T> {
  if (feed.items.some((other) => other.id === item.id)) return feed;
  const index = feed.items.findIndex((other) => other.id < item.id);
  const items = index < 0 ? [...feed.items, item] : [...feed.items.slice(0, index), item, ...feed.items.slice(index)];
  return { items: items.slice(0, FEED_CAP), newCount: feed.newCount + 1 };
}

function expireTyping(state: RealtimeState, now: number): RealtimeState {
  let chats: Record<number, ChatState> | null = null;
  for (const [id, chat] of Object.entries(state.chats)) {
    const live = Object.entries(chat.typing).filter(([, expires]) => expires > now);
    if (live.length !== Object.keys(chat.typing).length) {
      chats ??= { ...state.chats };
      chats[Number(id)] = { ...chat, typing: Object.fromEntries(live) };
    }
  }
  return chats ? { ...state, chats } : state;
}

function without<T>(record: Record<number, T>, key: number): Record<number, T> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}
