// The outside world of the component tests: a fake Pawdate API behind `globalThis.fetch`,
// answering by method and path with the contract's JSON shapes, and a fake WebSocket server.
// Nothing of the app itself is replaced: the screens run with the real api/http.ts and realtime/.

import { vi } from "vitest";
import type { ErrorBody } from "../api/http";
import type { User } from "../api/types";
import type { WebSocketLike } from "../realtime/client";
import type { InboundFrame, Playdate } from "../realtime/types";

export interface ApiCall {
  method: string;
  path: string; // without the query, e.g. /api/v1/pets/3/
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown; // parsed JSON, or undefined
}

export interface Answer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Route = Answer | ((call: ApiCall) => Answer | Promise<Answer>);

/** `"GET /api/v1/me"` → the answer (or a function of the call that returns it). */
export type Routes = Record<string, Route>;

export function ok(body: unknown, status = 200): Answer {
  return { status, body };
}

export function apiError(
  status: number,
  code: string,
  message: string,
  fields?: Record<string, string[]>,
  headers?: Record<string, string>,
): Answer {
  const error: ErrorBody = fields ? { code, message, fields } : { code, message };
  return { status, body: { error }, headers };
}

/** A promise settled from the test: holds a request open to see the screen while it waits. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

export interface FakeApi {
  calls: ApiCall[];
  /** Adds or replaces routes while the test runs. */
  route(routes: Routes): void;
  /** The calls to one method and path (any query). */
  callsTo(method: string, path: string): ApiCall[];
}

/** Stubs `fetch` with a server that knows `routes`; anything else answers the contract's 404. */
export function fakeApi(routes: Routes = {}): FakeApi {
  const table: Routes = { ...routes };
  const calls: ApiCall[] = [];
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), "http://localhost");
    const method = (init.method ?? "GET").toUpperCase();
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const call: ApiCall = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers,
      body: typeof init.body === "string" ? (JSON.parse(init.body) as unknown) : undefined,
    };
    calls.push(call);
    const route = table[`${method} ${url.pathname}`];
    const answer = route === undefined
      ? apiError(404, "not_found", "Not found.")
      : typeof route === "function"
        ? await route(call)
        : route;
    const status = answer.status ?? 200;
    const text = answer.body === undefined || status === 204 ? null : JSON.stringify(answer.body);
    return new Response(text, {
      status,
      headers: { "Content-Type": "application/json", ...answer.headers },
    });
  };
  vi.stubGlobal("fetch", vi.fn(fetch));
  return {
    calls,
    route: (more) => Object.assign(table, more),
    callsTo: (method, path) => calls.filter((call) => call.method === method && call.path === path),
  };
}

/** An access JWT as the server signs it (only `exp` is read by the page). */
export function accessToken(userId: number): string {
  const encode = (part: object) => btoa(JSON.stringify(part)).replace(/=+$/, "");
  const exp = Math.floor(Date.now() / 1000) + 15 * 60;
  return `${encode({ alg: "HS256", typ: "JWT" })}.${encode({ user_id: userId, exp })}.signature`;
}

export function user(over: Partial<User> = {}): User {
  return {
    id: 7,
    email: "maya@example.com",
    username: "maya",
    location: "Brooklyn, NY",
    latitude: 40.6782,
    longitude: -73.9442,
    role: "owner",
    date_joined: "2025-05-01T09:00:00Z",
    metro: "new-york",
    time_zone: "America/New_York",
    ...over,
  };
}

/** A pending invitation to `user()` (id 7), a week from now, as the server sends it: REST and
 * `playdate.*` events carry the same shape. */
export function playdate(over: Partial<Playdate> = {}): Playdate {
  return {
    id: 31,
    pet_id_1: 12,
    pet_id_2: 3,
    inviter_id: 8,
    invitee_id: 7,
    date_time: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    location_name: "Prospect Park",
    latitude: null,
    longitude: null,
    message: "Fetch?",
    status: "pending",
    awaiting_user_id: 7,
    created_at: "2025-06-01T12:00:00Z",
    updated_at: "2025-06-01T12:00:00Z",
    pet_1: { id: 12, name: "Luna", species: "cat" },
    pet_2: { id: 3, name: "Rex", species: "dog" },
    ...over,
  };
}

/** GET /api/v1/metros as the server answers it, in its own order (not by name). */
export const METROS = [
  { slug: "new-york", name: "New York", latitude: 40.7128, longitude: -74.006, neighbourhoods: [] },
  { slug: "paris", name: "Paris", latitude: 48.8566, longitude: 2.3522, neighbourhoods: [] },
  { slug: "berlin", name: "Berlin", latitude: 52.52, longitude: 13.405, neighbourhoods: [] },
];

/** The readable cookie the server sets beside the refresh cookie: "a session exists". */
export function signedInCookie(present: boolean): void {
  document.cookie = present
    ? "pawdate_signed_in=1; path=/"
    : "pawdate_signed_in=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT";
}

/** Routes for a page opened with a live session cookie: refresh, then /me. */
export function sessionRoutes(me: User): Routes {
  return {
    "POST /api/v1/auth/browser/refresh": ok({ access: accessToken(me.id) }),
    "GET /api/v1/me": ok(me),
    "POST /api/v1/realtime/ticket": ok({ ticket: "ticket-1", expires_in: 30 }),
  };
}

/** The browser's WebSocket, as the server side of the test drives it. */
export class FakeWebSocket implements WebSocketLike {
  static sockets: FakeWebSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason?: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeWebSocket.sockets.push(this);
  }

  static latest(): FakeWebSocket {
    const socket = FakeWebSocket.sockets[FakeWebSocket.sockets.length - 1];
    if (!socket) throw new Error("no WebSocket was opened");
    return socket;
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("not open");
    this.sent.push(data);
  }

  close(): void {
    this.readyState = 3;
  }

  // --- the server's side ---

  get params(): URLSearchParams {
    return new URL(this.url).searchParams;
  }

  /** Accepts the connection and says hello, as the server does first on every socket. */
  accept(userId: number, lastSeq: number): void {
    this.readyState = 1;
    this.onopen?.({});
    this.push({ type: "hello", data: { user_id: userId, last_seq: lastSeq } });
  }

  push(frame: InboundFrame): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  /** The connection drops (1006: no close frame, e.g. the network went away). */
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

export function fakeWebSocket(): typeof FakeWebSocket {
  FakeWebSocket.sockets = [];
  vi.stubGlobal("WebSocket", FakeWebSocket);
  return FakeWebSocket;
}
