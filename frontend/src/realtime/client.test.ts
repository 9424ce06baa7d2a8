import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RealtimeClient, RealtimeError, type ConnectionState, type ResyncReason, type WebSocketLike } from "./client";
import type { InboundFrame } from "./types";

class FakeSocket implements WebSocketLike {
  readyState = 0;
  sent: string[] = [];
  closedWith: number | null = null;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason?: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("not open");
    this.sent.push(data);
  }
  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  // The server's side
  get params(): URLSearchParams {
    return new URL(this.url).searchParams;
  }
  frames(): Array<{ type: string; ref?: string; data?: unknown }> {
    return this.sent.map((text) => JSON.parse(text) as { type: string; ref?: string; data?: unknown });
  }
  hello(lastSeq: number, userId = 7): void {
    this.readyState = 1;
    this.onopen?.({});
    this.push({ type: "hello", data: { user_id: userId, last_seq: lastSeq } });
  }
  push(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  event(seq: number, id = seq): void {
    this.push({ type: "chat.read", seq, ts: "2025-01-01T00:00:00Z", data: { playdate_id: 1, user_id: 8, message_id: id } });
  }
  serverClose(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

interface Env {
  client: RealtimeClient;
  sockets: FakeSocket[];
  tickets: number;
  states: ConnectionState[];
  frames: InboundFrame[];
  resyncs: ResyncReason[];
  random: { value: number };
  ticketError: { value: unknown };
  last(): FakeSocket;
  seqs(): number[];
}

function setup(lastSeq: number | null = null): Env {
  const env = {
    sockets: [] as FakeSocket[],
    tickets: 0,
    states: [] as ConnectionState[],
    frames: [] as InboundFrame[],
    resyncs: [] as ResyncReason[],
    random: { value: 1 },
    ticketError: { value: null as unknown },
  } as Env;
  env.client = new RealtimeClient({
    getTicket: () => {
      env.tickets += 1;
      return env.ticketError.value ? Promise.reject(env.ticketError.value) : Promise.resolve(`t${env.tickets}`);
    },
    url: () => "wss://pawdate.test/ws/",
    WebSocket: class extends FakeSocket {
      constructor(url: string) {
        super(url);
        env.sockets.push(this);
      }
    },
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    random: () => env.random.value,
    lastSeq,
  });
  env.client.onState((state) => env.states.push(state));
  env.client.onFrame((frame) => env.frames.push(frame));
  env.client.onResync((reason) => env.resyncs.push(reason));
  env.last = () => {
    const socket = env.sockets[env.sockets.length - 1];
    if (!socket) throw new Error("no socket");
    return socket;
  };
  env.seqs = () => env.frames.flatMap((frame) => ("seq" in frame ? [frame.seq] : []));
  return env;
}

const flush = () => vi.advanceTimersByTimeAsync(0);

async function openClient(lastSeq: number | null = null, serverSeq = lastSeq ?? 0): Promise<Env> {
  const env = setup(lastSeq);
  env.client.start();
  await flush();
  env.last().hello(serverSeq);
  return env;
}

/** The delay before the next socket appears, to the millisecond (up to `limit`). */
async function delayUntilNextSocket(env: Env, limit = 120_000): Promise<number> {
  const count = env.sockets.length;
  for (let waited = 0; waited <= limit; waited += 1) {
    if (env.sockets.length > count) return waited;
    await vi.advanceTimersByTimeAsync(1);
  }
  throw new Error("no reconnect");
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("connecting and delivery", () => {
  it("connects with a ticket, says open on hello and delivers durable frames in order", async () => {
    const env = setup();
    env.client.start();
    expect(env.client.state).toBe("connecting");
    await flush();
    expect(env.last().params.get("ticket")).toBe("t1");
    expect(env.last().params.has("since")).toBe(false);
    env.last().hello(42);
    expect(env.client.state).toBe("open");
    expect(env.client.lastSeq).toBe(42);
    expect(env.resyncs).toEqual(["initial"]); // nothing resumed: the app loads by REST
    env.last().event(43);
    env.last().event(44);
    expect(env.frames[0]?.type).toBe("hello");
    expect(env.seqs()).toEqual([43, 44]);
    expect(env.client.lastSeq).toBe(44);
  });

  it("drops duplicates (seq <= lastSeq)", async () => {
    const env = await openClient(10);
    env.last().event(11);
    env.last().event(11);
    env.last().event(9);
    env.last().event(12);
    expect(env.seqs()).toEqual([11, 12]);
    expect(env.resyncs).toEqual([]);
  });

  it("resumes with since=lastSeq after a drop, with a new ticket", async () => {
    const env = await openClient(5);
    expect(env.last().params.get("since")).toBe("5");
    env.last().event(6);
    env.last().serverClose(1006);
    expect(env.client.state).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(500);
    expect(env.sockets).toHaveLength(2);
    expect(env.last().params.get("since")).toBe("6");
    expect(env.last().params.get("ticket")).toBe("t2");
    env.last().hello(8);
    env.last().event(7);
    env.last().event(8);
    expect(env.seqs()).toEqual([6, 7, 8]);
  });

  it("never delivers past a gap: reconnects with since=lastSeq and takes the replay", async () => {
    const env = await openClient(0);
    env.last().event(1);
    const first = env.last();
    first.event(3); // 2 is missing
    expect(env.seqs()).toEqual([1]);
    expect(first.closedWith).toBe(1000);
    await flush();
    expect(env.sockets).toHaveLength(2);
    expect(env.last().params.get("since")).toBe("1");
    env.last().hello(3);
    env.last().event(2);
    env.last().event(3);
    expect(env.seqs()).toEqual([1, 2, 3]);
    expect(env.resyncs).toEqual([]);
  });

  it("a replay that starts past since (pruned events) emits resync and goes on", async () => {
    const env = await openClient(3, 900);
    env.last().event(500);
    env.last().event(501);
    expect(env.resyncs).toEqual(["pruned"]);
    expect(env.seqs()).toEqual([500, 501]);
    expect(env.sockets).toHaveLength(1);
  });

  it("emits resync when the hello's last_seq is below lastSeq, and resumes from the server's", async () => {
    const env = setup(50);
    env.client.start();
    await flush();
    env.last().hello(10);
    expect(env.resyncs).toEqual(["log_reset"]);
    expect(env.client.lastSeq).toBe(10);
    await flush();
    expect(env.sockets).toHaveLength(2);
    expect(env.last().params.get("since")).toBe("10");
    env.last().hello(10);
    env.last().event(11);
    expect(env.seqs()).toEqual([11]);
    expect(env.resyncs).toEqual(["log_reset"]);
  });

  it("passes ephemeral frames through as they come, leaving lastSeq alone", async () => {
    const env = await openClient(1);
    const typed: unknown[] = [];
    env.client.onEvent("chat.typing", (frame) => typed.push(frame.data.user_id));
    env.last().push({ type: "presence", data: { user_id: 8, online: true } });
    env.last().push({ type: "chat.typing", data: { playdate_id: 1, user_id: 8 } });
    env.last().event(2);
    env.last().push({ type: "chat.typing", data: { playdate_id: 1, user_id: 8 } });
    expect(env.frames.map((frame) => frame.type)).toEqual(["hello", "presence", "chat.typing", "chat.read", "chat.typing"]);
    expect(typed).toEqual([8, 8]);
    expect(env.client.lastSeq).toBe(2);
  });

  it("ignores junk and unknown types, but an unknown durable type still moves lastSeq", async () => {
    const env = await openClient(1);
    env.last().onmessage?.({ data: "not json" });
    env.last().push([1, 2]);
    env.last().push({ type: "future.thing", seq: 2, ts: "", data: {} });
    env.last().event(3);
    expect(env.seqs()).toEqual([3]);
  });
});

describe("reconnecting", () => {
  it("backs off exponentially with full jitter, and resets after a stable connection", async () => {
    const env = setup();
    env.client.start();
    await flush();
    const delays: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      env.last().serverClose(1006); // fails before any hello
      delays.push(await delayUntilNextSocket(env));
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);

    env.random.value = 0.5; // jitter: uniform below the ceiling
    env.last().serverClose(1006);
    expect(await delayUntilNextSocket(env)).toBe(15000);

    env.last().hello(0);
    await vi.advanceTimersByTimeAsync(10_000); // stable
    env.random.value = 1;
    env.last().serverClose(1006);
    expect(await delayUntilNextSocket(env)).toBe(500);
  });

  it("on 4401 gets a new ticket and reconnects at once, once", async () => {
    const env = await openClient(3);
    env.last().serverClose(4401);
    await flush();
    expect(env.sockets).toHaveLength(2);
    expect(env.tickets).toBe(2);
    expect(env.last().params.get("since")).toBe("3");
    env.last().serverClose(4401); // again, before a hello: back off
    await flush();
    expect(env.sockets).toHaveLength(2);
    expect(await delayUntilNextSocket(env)).toBeGreaterThan(0);
  });

  it("goes logged_out when the ticket endpoint answers 401", async () => {
    const env = await openClient(3);
    env.ticketError.value = Object.assign(new Error("expired"), { status: 401 });
    env.last().serverClose(4401);
    await flush();
    expect(env.client.state).toBe("logged_out");
    await vi.advanceTimersByTimeAsync(120_000);
    expect(env.sockets).toHaveLength(1);
  });

  it("retries with backoff when the ticket fetch fails otherwise", async () => {
    const env = setup();
    env.ticketError.value = new TypeError("Failed to fetch");
    env.client.start();
    await flush();
    expect(env.client.state).toBe("reconnecting");
    env.ticketError.value = null;
    expect(await delayUntilNextSocket(env)).toBe(500);
  });

  it("on 4403 is forbidden and never reconnects", async () => {
    const env = await openClient(3);
    env.last().serverClose(4403);
    expect(env.client.state).toBe("forbidden");
    await vi.advanceTimersByTimeAsync(600_000);
    expect(env.sockets).toHaveLength(1);
    expect(env.tickets).toBe(1);
  });

  it("on 4429 backs off longer", async () => {
    const env = await openClient(3);
    await vi.advanceTimersByTimeAsync(10_000);
    env.random.value = 0;
    env.last().serverClose(4429);
    const delay = await delayUntilNextSocket(env);
    expect(delay).toBeGreaterThanOrEqual(15_000);
  });

  it("on 1012 reconnects soon and resumes", async () => {
    const env = await openClient(3);
    env.last().event(4);
    await vi.advanceTimersByTimeAsync(10_000);
    env.random.value = 0.25;
    env.last().serverClose(1012);
    expect(await delayUntilNextSocket(env)).toBe(250);
    expect(env.last().params.get("since")).toBe("4");
  });

  it("on 4400 forgets since and starts afresh", async () => {
    const env = await openClient(3);
    env.last().serverClose(4400);
    await delayUntilNextSocket(env);
    expect(env.last().params.has("since")).toBe(false);
    env.last().hello(9);
    expect(env.resyncs).toEqual(["initial"]);
  });

  it("close() stops for good", async () => {
    const env = await openClient(3);
    const socket = env.last();
    env.client.close();
    expect(env.client.state).toBe("closed");
    expect(socket.closedWith).toBe(1000);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(env.sockets).toHaveLength(1);
  });

  it("close() while the ticket is being fetched opens nothing", async () => {
    const env = setup();
    env.client.start();
    env.client.close();
    await flush();
    expect(env.sockets).toHaveLength(0);
    expect(env.states).toEqual(["connecting", "closed"]);
  });

  it("reconnectNow() skips the wait", async () => {
    const env = await openClient(3);
    env.last().serverClose(1006);
    env.last().serverClose(1006); // ignored: already dropped
    env.client.reconnectNow();
    await flush();
    expect(env.sockets).toHaveLength(2);
  });
});

describe("requests", () => {
  const message = { id: 5, playdate_id: 1, sender_id: 7, body: "hi", created_at: "2025-01-01T00:00:00Z" };

  it("send() resolves with the ack's data", async () => {
    const env = await openClient(0);
    const answer = env.client.send("chat.send", { playdate_id: 1, body: "hi" }, { ref: "m-1" });
    expect(env.last().frames()).toEqual([{ type: "chat.send", ref: "m-1", data: { playdate_id: 1, body: "hi" } }]);
    env.last().push({ type: "ack", ref: "m-1", data: { message } });
    await expect(answer).resolves.toEqual({ message });
  });

  it("send() rejects on an error frame with its code and message", async () => {
    const env = await openClient(0);
    const answer = env.client.send("chat.send", { playdate_id: 1, body: "hi" });
    const ref = env.last().frames()[0]?.ref;
    env.last().push({ type: "error", ref, data: { code: "rate_limited", message: "Slow down.", retry_after: 4 } });
    await expect(answer).rejects.toMatchObject({ code: "rate_limited", message: "Slow down.", retryAfter: 4 });
  });

  it("send() rejects when the socket closes first, on timeout, and when not connected", async () => {
    const env = await openClient(0);
    const closing = env.client.send("chat.send", { playdate_id: 1, body: "hi" });
    env.last().serverClose(1006);
    await expect(closing).rejects.toMatchObject({ code: "closed" });
    await expect(env.client.send("ping", {})).rejects.toMatchObject({ code: "not_connected" });

    await delayUntilNextSocket(env);
    env.last().hello(0);
    const slow = env.client.send("chat.send", { playdate_id: 1, body: "hi" }, { timeoutMs: 1000 });
    const caught = slow.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await caught).toBeInstanceOf(RealtimeError);
    expect(await caught).toMatchObject({ code: "timeout" });
  });

  it("refuses a frame over 64 KiB instead of getting closed with 1009", async () => {
    const env = await openClient(0);
    await expect(env.client.send("chat.send", { playdate_id: 1, body: "é".repeat(40_000) })).rejects.toMatchObject({
      code: "too_large",
    });
    expect(env.last().sent).toHaveLength(0);
  });

  it("ping resolves on pong; notify() refusals go to onError", async () => {
    const env = await openClient(0);
    const pong = env.client.send("ping", {}, { ref: "p" });
    env.last().push({ type: "pong", ref: "p" });
    await expect(pong).resolves.toBeUndefined();

    const errors: RealtimeError[] = [];
    env.client.onError((error) => errors.push(error));
    const ref = env.client.notify("chat.typing", { playdate_id: 99 });
    expect(env.last().frames()[1]).toEqual({ type: "chat.typing", ref, data: { playdate_id: 99 } });
    env.last().push({ type: "error", ref, data: { code: "not_found", message: "No such playdate." } });
    expect(errors.map((error) => [error.code, error.ref])).toEqual([["not_found", ref]]);
  });
});

describe("heartbeat", () => {
  it("pings every 25 s while open", async () => {
    const env = await openClient(0);
    await vi.advanceTimersByTimeAsync(24_999);
    expect(env.last().frames()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(env.last().frames().map((frame) => frame.type)).toEqual(["ping"]);
    env.last().push({ type: "pong", ref: env.last().frames()[0]?.ref });
    await vi.advanceTimersByTimeAsync(25_000);
    expect(env.last().frames()).toHaveLength(2);
  });

  it("drops a socket that has been silent for 60 s and reconnects", async () => {
    const env = await openClient(0);
    const socket = env.last();
    await vi.advanceTimersByTimeAsync(30_000);
    socket.push({ type: "pong", ref: "ping-1" }); // alive
    await vi.advanceTimersByTimeAsync(59_999);
    expect(env.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.closedWith).toBe(1000);
    expect(env.client.state).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(500);
    expect(env.sockets).toHaveLength(2);
  });

  it("drops a socket that never says hello", async () => {
    const env = setup();
    env.client.start();
    await flush();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(env.sockets[0]?.closedWith).toBe(1000);
    expect(env.client.state).toBe("reconnecting");
  });
});
