import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { ApiError, api } from "../../api/http";
import type { Page } from "../../api/types";
import { RealtimeError } from "../../realtime/client";
import { useRealtime } from "../../realtime/RealtimeProvider";
import { typingUserIds } from "../../realtime/store";
import type { Message } from "../../realtime/types";
import { useAuth } from "../auth/AuthContext";
import { unsent, type Outgoing } from "./outgoing";

const time = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const TYPING_EVERY_MS = 2_500;

export function ChatPage() {
  const playdateId = Number(useParams().playdateId);
  const { user } = useAuth();
  const { state, dispatch, client, resyncs } = useRealtime();
  const [older, setOlder] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState("");
  const [outgoing, setOutgoing] = useState<Outgoing[]>([]);
  const typedAt = useRef(0);
  const end = useRef<HTMLDivElement>(null);

  const chat = state.chats[playdateId];
  const messages = useMemo(() => chat?.messages ?? [], [chat]);

  useEffect(() => {
    setLoaded(false);
    api
      .get<Page<Message>>(`playdates/${playdateId}/messages?limit=50`)
      .then((page) => {
        dispatch({ type: "messages.loaded", playdateId, messages: page.results, unread: 0 });
        setOlder(page.next);
        setLoaded(true);
      })
      .catch((failure: unknown) => setError(failure instanceof ApiError ? failure.message : "This conversation could not be loaded."));
  }, [playdateId, dispatch, resyncs]);

  // Reading: the other owner's newest message, once shown, is marked read for both sides.
  const lastFromOther = [...messages].reverse().find((message) => message.sender_id !== user?.id);
  useEffect(() => {
    if (!lastFromOther || !client) return;
    dispatch({ type: "chat.opened", playdateId });
    client.notify("chat.read", { playdate_id: playdateId, message_id: lastFromOther.id });
  }, [lastFromOther?.id, client, dispatch, playdateId]); // once per new message, not per render

  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "end" });
  }, [messages.length, outgoing.length]);

  async function loadOlder() {
    if (!older) return;
    const page = await api.get<Page<Message>>(older.slice(older.indexOf("/api/v1/") + "/api/v1/".length));
    dispatch({ type: "messages.loaded", playdateId, messages: page.results });
    setOlder(page.next);
  }

  /** The socket when it is open (its ack is fastest), else REST; the same `ref` makes a retry
   * of a message that did arrive return it rather than send it twice. */
  async function post(item: Outgoing): Promise<Message> {
    if (client?.state === "open") {
      try {
        return (await client.send("chat.send", { playdate_id: playdateId, body: item.body }, { ref: item.ref })).message;
      } catch (failure) {
        const transport = failure instanceof RealtimeError && ["timeout", "closed", "not_connected"].includes(failure.code);
        if (!transport) throw failure;
      }
    }
    return api.post<Message>(`playdates/${playdateId}/messages`, { body: item.body, ref: item.ref });
  }

  async function deliver(item: Outgoing) {
    setOutgoing((current) => current.map((other) => (other.ref === item.ref ? { ...other, failed: null } : other)));
    try {
      const message = await post(item);
      dispatch({ type: "messages.loaded", playdateId, messages: [message] });
      setOutgoing((current) => current.filter((other) => other.ref !== item.ref));
    } catch (failure) {
      const reason =
        failure instanceof ApiError && failure.status !== 0
          ? failure.message
          : failure instanceof RealtimeError
            ? failure.message
            : "Not sent yet: you seem to be offline.";
      setOutgoing((current) => current.map((other) => (other.ref === item.ref ? { ...other, failed: reason } : other)));
    }
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const body = draft.trim();
    if (!body) return;
    const item = { ref: crypto.randomUUID(), body, failed: null };
    setOutgoing((current) => [...current, item]);
    setDraft("");
    void deliver(item);
  }

  function onType(value: string) {
    setDraft(value);
    const now = Date.now();
    if (client && value.trim() && now - typedAt.current > TYPING_EVERY_MS) {
      typedAt.current = now;
      client.notify("chat.typing", { playdate_id: playdateId });
    }
  }

  const pending = unsent(outgoing, messages);
  const typing = typingUserIds(state, playdateId, Date.now()).filter((id) => id !== user?.id);
  const myLast = [...messages].reverse().find((message) => message.sender_id === user?.id);
  const seen = myLast && Object.entries(chat?.reads ?? {}).some(([reader, upTo]) => Number(reader) !== user?.id && upTo >= myLast.id);

  return (
    <section className="chat" aria-labelledby="chat-title">
      <p>
        <Link to="/playdates">← Playdates</Link>
      </p>
      <h1 id="chat-title">Chat</h1>
      {error && <p className="form-error" role="alert">{error}</p>}
      {older && (
        <button className="button button--quiet" type="button" onClick={() => void loadOlder()}>
          Earlier messages
        </button>
      )}
      <ol className="messages" aria-live="polite" aria-busy={!loaded}>
        {messages.map((message) => (
          <li key={message.id} className={message.sender_id === user?.id ? "message message--mine" : "message"}>
            <span className="message__who">{message.sender_id === user?.id ? "You" : message.sender_name ?? "deleted user"}</span>
            <p className="message__body">{message.body}</p>
            <time dateTime={message.created_at}>{time.format(new Date(message.created_at))}</time>
          </li>
        ))}
        {pending.map((item) => (
          <li key={item.ref} className="message message--mine message--pending">
            <p className="message__body">{item.body}</p>
            {item.failed ? (
              <span className="message__failed">
                {item.failed}{" "}
                <button className="button button--quiet" type="button" onClick={() => void deliver(item)}>
                  Retry
                </button>
              </span>
            ) : (
              <span className="muted">Sending…</span>
            )}
          </li>
        ))}
      </ol>
      {seen && !pending.length && <p className="muted receipt">Seen</p>}
      <p className="muted typing" role="status">{typing.length ? "Typing…" : " "}</p>
      <div ref={end} />
      <form className="composer" onSubmit={onSubmit}>
        <label htmlFor="chat-draft" className="visually-hidden">
          Message
        </label>
        <input id="chat-draft" value={draft} maxLength={2000} autoComplete="off" placeholder="Write a message"
          onChange={(e) => onType(e.target.value)} />
        <button className="button button--primary" type="submit" disabled={!draft.trim()}>
          Send
        </button>
      </form>
    </section>
  );
}
