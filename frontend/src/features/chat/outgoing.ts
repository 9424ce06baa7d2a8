// Messages the user is sending: shown as "Sending…" (or failed, with a retry) until stored.
import type { Message } from "../../realtime/types";

export interface Outgoing {
  ref: string; // the client's id for the message: a retry with it never stores it twice
  body: string;
  failed: string | null;
}

/** The outgoing messages not shown as stored yet. The server tells every socket of the sender
 * of a stored message, with the sender's `ref`, before it acks it: a message already shown from
 * that event is not shown a second time. Matched by ref alone, never by body (two "ok"s are two
 * messages). */
export function unsent(outgoing: Outgoing[], messages: Message[]): Outgoing[] {
  const stored = new Set(messages.map((message) => message.ref));
  return outgoing.filter((item) => !stored.has(item.ref));
}
