import { describe, expect, it } from "vitest";
import type { Message } from "../../realtime/types";
import { unsent, type Outgoing } from "./outgoing";

const ME = 7;

function stored(id: number, body: string, ref: string | null): Message {
  return { id, playdate_id: 1, sender_id: ME, sender_name: "me", body, created_at: "2030-01-01T00:00:00Z", hidden: false, ref };
}

function sending(ref: string, body: string): Outgoing {
  return { ref, body, failed: null };
}

describe("unsent", () => {
  it("leaves out the message whose event (with its ref) arrived before its ack", () => {
    const outgoing = [sending("a", "ok"), sending("b", "ok")];

    expect(unsent(outgoing, [stored(10, "ok", "a")])).toEqual([sending("b", "ok")]);
  });

  it("never matches by body: the same text stored earlier or by another device is not this one", () => {
    const outgoing = [sending("a", "ok")];
    const messages = [stored(9, "ok", null), stored(10, "ok", "other-device")];

    expect(unsent(outgoing, messages)).toEqual(outgoing);
  });

  it("leaves out a failed send whose message did arrive (its retry returns it)", () => {
    const failed = { ...sending("a", "ok"), failed: "Not sent yet: you seem to be offline." };

    expect(unsent([failed], [stored(10, "ok", "a")])).toEqual([]);
  });

  it("keeps every send when nothing is stored yet", () => {
    const outgoing = [sending("a", "ok"), sending("b", "ok")];

    expect(unsent(outgoing, [])).toEqual(outgoing);
  });
});
