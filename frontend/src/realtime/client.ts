// The WebSocket client (CONTRACT.md, "Real-time — WebSocket /ws/"), framework-free.
//
// - Every connection takes a fresh ticket (`getTicket`: POST /api/v1/realtime/ticket; one use, 30 s)
//   and, once the client knows a `seq`, resumes with `since=<lastSeq>`: the server replays every
//   durable event after it, in order, then sends live ones.
// - Durable events (with `seq`) reach the app once each and in order: a `seq` at or below `lastSeq`
//   is a duplicate and dropped. A gap (`seq > lastSeq + 1`) is never delivered out of order: the
//   client drops the socket and reconnects at once with `since=lastSeq`, and the server replays.
//   The one gap a replay can legitimately show is right after the hello, when events past `since`
//   were pruned (kept 7 days): then continuity is lost, so the client emits `resync` and goes on.
// - `resync` means "what you hold may be incomplete: refetch by REST". Reasons: "initial" (a
//   connection without a known `seq`: nothing was resumed), "log_reset" (the hello's `last_seq` is
//   below ours: the server's log was reset; the client reconnects with the server's `last_seq`),
//   "pruned" (above). Apply events after a refetch as usual: the store's reducers are idempotent.
// - Close codes: 4401 (ticket used/expired, or the session ended) → a new ticket at once, once,
//   then backoff; a 401 from the ticket endpoint → "logged_out". 4403 (suspended or deleted) →
//   "forbidden", no reconnect. 4429 (flooding) → a long backoff. 1012 (server restart, or the
//   server can no longer feed this socket) → reconnect soon. 4400 (bad `since`) → forget `seq`.
//   Anything else (network, 1006, 1009) → exponential backoff with full jitter, reset once a
//   connection has stayed up `stableAfterMs`.
// - Heartbeat: a `ping` every `pingEveryMs` while open; no frame at all for `deadAfterMs` (or no
//   hello within `helloTimeoutMs`) → the socket is dropped without waiting for its close event.

import {
  DURABLE_TYPES,
  EPHEMERAL_TYPES,
  type AnswerData,
  type ErrorData,
  type EventOf,
  type EventType,
  type HelloFrame,
  type InboundFrame,
  type NoticeData,
  type NoticeType,
  type Ref,
  type RequestData,
  type RequestType,
  type ServerEvent,
} from "./types";

export type ConnectionState = "connecting" | "open" | "reconnecting" | "logged_out" | "forbidden" | "closed";
export type ResyncReason = "initial" | "log_reset" | "pruned";

/** The part of the browser's WebSocket the client uses (tests inject a fake). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface RealtimeOptions {
  /** A fresh single-use ticket (POST /api/v1/realtime/ticket). Reject with an error whose
   * `status` is 401 when the user is no longer logged in. */
  getTicket: () => Promise<string>;
  /** The socket's address without query; default `ws(s)://<location.host>/ws/`. */
  url?: () => string;
  WebSocket?: WebSocketConstructor;
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  random?: () => number;
  /** The last `seq` the app's state reflects (persisted with that state), or null. */
  lastSeq?: number | null;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  stableAfterMs?: number;
  restartJitterMs?: number;
  floodDelayMs?: number;
  pingEveryMs?: number;
  deadAfterMs?: number;
  helloTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export const CLOSE = {
  NORMAL: 1000,
  TOO_BIG: 1009,
  RESTART: 1012,
  BAD_REQUEST: 4400,
  TICKET: 4401,
  FORBIDDEN: 4403,
  FLOODING: 4429,
} as const;

const OPEN = 1; // WebSocket.OPEN
const MAX_FRAME_BYTES = 64 * 1024;

/** A request that got no ack: the server's error code (`validation_error`, `not_found`,
 * `conflict`, `rate_limited`, `feature_disabled`, ...) or the client's own: `not_connected`,
 * `timeout`, `closed` (the socket went before the answer), `too_large`, `duplicate_ref`. */
export class RealtimeError extends Error {
  readonly code: string;
  readonly retryAfter: number | null;
  readonly ref: Ref | null;

  constructor(code: string, message: string, retryAfter: number | null = null, ref: Ref | null = null) {
    super(message);
    this.name = "RealtimeError";
    this.code = code;
    this.retryAfter = retryAfter;
    this.ref = ref;
  }
}

interface Pending {
  resolve: (data: unknown) => void;
  reject: (error: RealtimeError) => void;
  timer: unknown;
}

type Listener<T> = (value: T) => void;

function defaultUrl(): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/`;
}

let refCounter = 0;
function newRef(): string {
  const uuid = globalThis.crypto?.randomUUID?.();
  return uuid ?? `r${Date.now().toString(36)}-${(refCounter += 1)}-${Math.random().toString(36).slice(2)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseFrame(raw: unknown): (Record<string, unknown> & { type: string }) | null {
  if (typeof raw !== "string") return null;
  try {
    const frame: unknown = JSON.parse(raw);
    return isRecord(frame) && typeof frame.type === "string" ? (frame as Record<string, unknown> & { type: string }) : null;
  } catch {
    return null;
  }
}

function statusOf(error: unknown): number | null {
  return isRecord(error) && typeof error.status === "number" ? error.status : null;
}

export class RealtimeClient {
  private readonly options: Required<Omit<RealtimeOptions, "lastSeq">>;
  private currentState: ConnectionState = "closed";
  private seq: number | null;
  private ws: WebSocketLike | null = null;
  private generation = 0; // bumped whenever a connection attempt is superseded
  private attempt = 0; // failures since the last stable connection
  private ticketRetried = false; // the one immediate retry after 4401 is spent
  private greeted = false; // this socket's hello arrived
  private replayStart = false; // the next durable frame is the first since the hello
  private pings = 0;
  private reconnectTimer: unknown = null;
  private pingTimer: unknown = null;
  private watchdog: unknown = null;
  private stableTimer: unknown = null;
  private readonly pending = new Map<string, Pending>();
  private readonly stateListeners = new Set<Listener<ConnectionState>>();
  private readonly frameListeners = new Set<Listener<InboundFrame>>();
  private readonly eventListeners = new Map<string, Set<Listener<ServerEvent>>>();
  private readonly resyncListeners = new Set<Listener<ResyncReason>>();
  private readonly errorListeners = new Set<Listener<RealtimeError>>();

  constructor(options: RealtimeOptions) {
    this.seq = options.lastSeq ?? null;
    this.options = {
      getTicket: options.getTicket,
      url: options.url ?? defaultUrl,
      WebSocket: options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketConstructor),
      setTimeout: options.setTimeout ?? ((callback, ms) => globalThis.setTimeout(callback, ms)),
      clearTimeout:
        options.clearTimeout ?? ((handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>)),
      random: options.random ?? Math.random,
      backoffBaseMs: options.backoffBaseMs ?? 500,
      backoffCapMs: options.backoffCapMs ?? 30_000,
      stableAfterMs: options.stableAfterMs ?? 10_000,
      restartJitterMs: options.restartJitterMs ?? 1_000,
      floodDelayMs: options.floodDelayMs ?? 15_000,
      pingEveryMs: options.pingEveryMs ?? 25_000,
      deadAfterMs: options.deadAfterMs ?? 60_000,
      helloTimeoutMs: options.helloTimeoutMs ?? 15_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    };
  }

  // --- Public API ------------------------------------------------------------------------------

  get state(): ConnectionState {
    return this.currentState;
  }

  /** The last durable `seq` delivered (or the hello's, on a connection without `since`). */
  get lastSeq(): number | null {
    return this.seq;
  }

  /** Connects; also starts again after "closed", "logged_out" or "forbidden". */
  start(): void {
    if (this.currentState === "connecting" || this.currentState === "open" || this.currentState === "reconnecting") {
      return;
    }
    this.attempt = 0;
    this.ticketRetried = false;
    this.setState("connecting");
    void this.connect();
  }

  /** Closes for good (logout, unmount). Pending requests reject with `closed`. */
  close(): void {
    this.stop("closed");
  }

  /** Skips the wait before the next reconnect (e.g. on the browser's `online` event). */
  reconnectNow(): void {
    if (this.currentState === "reconnecting" && this.reconnectTimer !== null) {
      this.reconnect(0);
    }
  }

  onState(listener: Listener<ConnectionState>): () => void {
    return this.subscribe(this.stateListeners, listener);
  }

  /** Every hello, durable event (once, in order) and ephemeral event: feed it to the store. */
  onFrame(listener: Listener<InboundFrame>): () => void {
    return this.subscribe(this.frameListeners, listener);
  }

  onEvent<K extends EventType>(type: K, listener: Listener<EventOf<K>>): () => void {
    let listeners = this.eventListeners.get(type);
    if (!listeners) {
      listeners = new Set();
      this.eventListeners.set(type, listeners);
    }
    return this.subscribe(listeners, listener as Listener<ServerEvent>);
  }

  /** Continuity is lost: refetch what the app shows by REST (see the top of this file). */
  onResync(listener: Listener<ResyncReason>): () => void {
    return this.subscribe(this.resyncListeners, listener);
  }

  /** Error frames no request waits for: a `notify` refused (its ref), or `rate_limited` before 4429. */
  onError(listener: Listener<RealtimeError>): () => void {
    return this.subscribe(this.errorListeners, listener);
  }

  /** A frame the server answers. `chat.send` is idempotent per ref: to retry a message, pass the
   * same `ref` (here, or as `ref` in the REST body) and get the stored message back. */
  send<K extends RequestType>(
    type: K,
    data: RequestData[K],
    options: { ref?: string; timeoutMs?: number } = {},
  ): Promise<AnswerData[K]> {
    const ref = options.ref ?? newRef();
    if (this.pending.has(ref)) {
      return Promise.reject(new RealtimeError("duplicate_ref", "A request with this ref is still waiting.", null, ref));
    }
    const sent = this.sendFrame({ type, ref, data });
    if (sent !== true) return Promise.reject(sent);
    return new Promise<AnswerData[K]>((resolve, reject) => {
      const timer = this.options.setTimeout(() => {
        this.pending.delete(ref);
        reject(new RealtimeError("timeout", "The server did not answer in time.", null, ref));
      }, options.timeoutMs ?? this.options.requestTimeoutMs);
      this.pending.set(ref, { resolve: resolve as (data: unknown) => void, reject, timer });
    });
  }

  /** A frame with no answer (`chat.typing`, `chat.read`); returns its ref, or null when not open.
   * Refusals come to `onError` with this ref. */
  notify<K extends NoticeType>(type: K, data: NoticeData[K]): string | null {
    const ref = newRef();
    return this.sendFrame({ type, ref, data }) === true ? ref : null;
  }

  // --- Connecting ------------------------------------------------------------------------------

  private async connect(): Promise<void> {
    this.reconnectTimer = null;
    const generation = ++this.generation;
    let ticket: string;
    try {
      ticket = await this.options.getTicket();
    } catch (error) {
      if (generation !== this.generation) return;
      const status = statusOf(error);
      if (status === 401) this.stop("logged_out");
      else if (status === 403) this.stop("forbidden");
      else this.reconnect(this.backoff());
      return;
    }
    if (generation !== this.generation) return; // closed or restarted meanwhile

    let ws: WebSocketLike;
    try {
      const url = new URL(this.options.url());
      url.searchParams.set("ticket", ticket);
      if (this.seq !== null) url.searchParams.set("since", String(this.seq));
      ws = new this.options.WebSocket(url.toString());
    } catch {
      this.reconnect(this.backoff());
      return;
    }
    this.ws = ws;
    this.greeted = false;
    ws.onmessage = (event) => {
      if (this.ws === ws) this.receive(event.data);
    };
    ws.onclose = (event) => {
      if (this.ws === ws) this.closed(event.code);
    };
    ws.onerror = () => {}; // a close event follows
    this.armWatchdog(this.options.helloTimeoutMs);
  }

  private closed(code: number): void {
    this.dropSocket();
    switch (code) {
      case CLOSE.FORBIDDEN:
        this.stop("forbidden");
        return;
      case CLOSE.TICKET:
        if (!this.ticketRetried) {
          this.ticketRetried = true;
          this.reconnect(0);
        } else {
          this.reconnect(this.backoff());
        }
        return;
      case CLOSE.FLOODING:
        this.reconnect(this.options.floodDelayMs + this.backoff());
        return;
      case CLOSE.RESTART:
        this.reconnect(this.attempt === 0 ? this.jitter(this.options.restartJitterMs, true) : this.backoff());
        return;
      case CLOSE.BAD_REQUEST:
        this.seq = null; // resume is impossible: start afresh (its hello emits resync "initial")
        this.reconnect(this.backoff());
        return;
      default:
        this.reconnect(this.backoff());
    }
  }

  /** Full jitter: uniform in [0, min(cap, base * 2^attempt)]; counts a failure. */
  private backoff(): number {
    const ceiling = Math.min(this.options.backoffCapMs, this.options.backoffBaseMs * 2 ** this.attempt);
    this.attempt += 1;
    return this.jitter(ceiling, false);
  }

  private jitter(ceiling: number, count: boolean): number {
    if (count) this.attempt += 1;
    return Math.floor(this.options.random() * ceiling);
  }

  private reconnect(delay: number): void {
    this.dropSocket();
    this.clearTimer("reconnectTimer");
    this.generation += 1; // a ticket still being fetched is for nothing now
    this.setState("reconnecting");
    this.reconnectTimer = this.options.setTimeout(() => void this.connect(), delay);
  }

  private stop(state: "closed" | "logged_out" | "forbidden"): void {
    this.generation += 1;
    this.clearTimer("reconnectTimer");
    this.dropSocket();
    this.setState(state);
  }

  /** Forgets the socket (without waiting for its close event), its timers and its requests. */
  private dropSocket(): void {
    const ws = this.ws;
    this.ws = null;
    this.greeted = false;
    for (const name of ["pingTimer", "watchdog", "stableTimer"] as const) this.clearTimer(name);
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = ws.onopen = null;
      try {
        ws.close(CLOSE.NORMAL);
      } catch {
        // already closed
      }
    }
    const pending = [...this.pending.entries()];
    this.pending.clear();
    for (const [ref, request] of pending) {
      this.options.clearTimeout(request.timer);
      request.reject(new RealtimeError("closed", "The connection closed before the answer.", null, ref));
    }
  }

  // --- Frames ----------------------------------------------------------------------------------

  private receive(raw: unknown): void {
    this.armWatchdog(this.greeted ? this.options.deadAfterMs : this.options.helloTimeoutMs);
    const frame = parseFrame(raw);
    if (!frame) return;
    const type = frame.type;
    if (type === "hello") {
      this.hello(frame as unknown as HelloFrame);
    } else if (type === "ack" || type === "pong") {
      this.settle(frame.ref, (request) => request.resolve(type === "ack" ? frame.data : undefined));
    } else if (type === "error") {
      const data = (isRecord(frame.data) ? frame.data : {}) as Partial<ErrorData>;
      const ref = typeof frame.ref === "string" || typeof frame.ref === "number" ? frame.ref : null;
      const error = new RealtimeError(
        data.code ?? "error",
        data.message ?? "The server refused a frame.",
        typeof data.retry_after === "number" ? data.retry_after : null,
        ref,
      );
      if (!this.settle(ref, (request) => request.reject(error))) this.emit(this.errorListeners, error);
    } else if (typeof frame.seq === "number" && Number.isInteger(frame.seq)) {
      this.durable(frame as unknown as ServerEvent & { seq: number });
    } else if (EPHEMERAL_TYPES.has(type)) {
      this.deliver(frame as unknown as ServerEvent);
    }
    // Anything else (a type this app does not know yet) is ignored.
  }

  private hello(frame: HelloFrame): void {
    const serverSeq = frame.data.last_seq;
    if (this.seq !== null && serverSeq < this.seq) {
      // The server's log is behind us: it was reset. This socket would skip the events between
      // its last_seq and our since, so start again from the server's last_seq.
      this.seq = serverSeq;
      this.emit(this.resyncListeners, "log_reset");
      this.reconnect(0);
      return;
    }
    const fresh = this.seq === null;
    if (fresh) this.seq = serverSeq;
    this.greeted = true;
    this.replayStart = true;
    this.ticketRetried = false;
    this.armWatchdog(this.options.deadAfterMs);
    this.schedulePing();
    this.stableTimer = this.options.setTimeout(() => {
      this.stableTimer = null;
      this.attempt = 0;
    }, this.options.stableAfterMs);
    this.setState("open");
    this.emit(this.frameListeners, frame);
    if (fresh) this.emit(this.resyncListeners, "initial");
  }

  private durable(frame: ServerEvent & { seq: number }): void {
    if (!this.greeted || this.seq === null) return; // the server always says hello first
    if (frame.seq <= this.seq) return; // a duplicate
    const first = this.replayStart;
    this.replayStart = false;
    if (frame.seq > this.seq + 1) {
      if (!first) {
        // Never out of order: reconnect with since=lastSeq and the server replays what is missing
        // (at once the first time; a gap again before the connection is stable backs off).
        this.reconnect(this.attempt === 0 ? this.jitter(0, true) : this.backoff());
        return;
      }
      // The replay itself starts past `since`: those events were pruned.
      this.emit(this.resyncListeners, "pruned");
    }
    this.seq = frame.seq;
    if (DURABLE_TYPES.has(frame.type)) this.deliver(frame);
  }

  private deliver(frame: ServerEvent): void {
    this.emit(this.frameListeners, frame);
    const listeners = this.eventListeners.get(frame.type);
    if (listeners) this.emit(listeners, frame);
  }

  private settle(ref: unknown, settle: (request: Pending) => void): boolean {
    if (typeof ref !== "string" && typeof ref !== "number") return false;
    const key = String(ref);
    const request = this.pending.get(key);
    if (!request) return false;
    this.pending.delete(key);
    this.options.clearTimeout(request.timer);
    settle(request);
    return true;
  }

  private sendFrame(frame: { type: string; ref: string; data: unknown }): true | RealtimeError {
    const ws = this.ws;
    if (!ws || !this.greeted || ws.readyState !== OPEN) {
      return new RealtimeError("not_connected", "Not connected.", null, frame.ref);
    }
    const text = JSON.stringify(frame);
    // Over 64 KiB the server closes the socket (1009): refuse it here instead.
    if (text.length * 3 > MAX_FRAME_BYTES && new TextEncoder().encode(text).length > MAX_FRAME_BYTES) {
      return new RealtimeError("too_large", "The frame is too large.", null, frame.ref);
    }
    try {
      ws.send(text);
    } catch {
      return new RealtimeError("not_connected", "Not connected.", null, frame.ref);
    }
    return true;
  }

  // --- Heartbeat -------------------------------------------------------------------------------

  private schedulePing(): void {
    this.clearTimer("pingTimer");
    this.pingTimer = this.options.setTimeout(() => {
      this.pingTimer = null;
      this.pings += 1;
      this.sendFrame({ type: "ping", ref: `ping-${this.pings}`, data: {} });
      this.schedulePing();
    }, this.options.pingEveryMs);
  }

  private armWatchdog(ms: number): void {
    this.clearTimer("watchdog");
    this.watchdog = this.options.setTimeout(() => {
      this.watchdog = null;
      this.reconnect(this.backoff()); // a deaf socket: drop it, do not wait for its close
    }, ms);
  }

  // --- Plumbing --------------------------------------------------------------------------------

  private clearTimer(name: "reconnectTimer" | "pingTimer" | "watchdog" | "stableTimer"): void {
    if (this[name] !== null) {
      this.options.clearTimeout(this[name]);
      this[name] = null;
    }
  }

  private setState(state: ConnectionState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.emit(this.stateListeners, state);
  }

  private subscribe<T>(listeners: Set<Listener<T>>, listener: Listener<T>): () => void {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  private emit<T>(listeners: Set<Listener<T>>, value: T): void {
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (error) {
        console.error("realtime listener failed", error); // one bad listener must not stop delivery
      }
    }
  }
}
