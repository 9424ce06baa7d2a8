import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { ApiError, api } from "../../api/http";
import type { Page } from "../../api/types";
import type { Playdate as LivePlaydate, PlaydatePet } from "../../realtime/types";
import { useAuth } from "../auth/AuthContext";
import { download, playdateIcs } from "./ics";

// A playdate in the caller's list: the event's shape, with its conversation's unread count.
export interface Playdate extends LivePlaydate {
  unread_count?: number;
}

const when = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long", hour: "numeric", minute: "2-digit" });

// The playdate names its pets itself; only a replayed event from before it did lacks them.
const petName = (pet: PlaydatePet | undefined) => pet?.name ?? "a pet";

/** The card's title: both pets, the inviting one first. */
export function playdateTitle(playdate: Playdate): string {
  return `${petName(playdate.pet_1)} and ${petName(playdate.pet_2)}`;
}

type Tab = "incoming" | "outgoing" | "upcoming" | "past";
const TABS: Tab[] = ["incoming", "outgoing", "upcoming", "past"];

export function inTab(playdate: Playdate, tab: Tab, userId: number): boolean {
  const open = playdate.status === "pending";
  if (tab === "incoming") return open && playdate.awaiting_user_id === userId;
  if (tab === "outgoing") return open && playdate.awaiting_user_id !== userId;
  if (tab === "upcoming") return playdate.status === "accepted";
  return !open && playdate.status !== "accepted";
}

interface Props {
  live?: Playdate[];
  // Unread messages per playdate known live (realtime store), newer than the list's own count.
  unread?: Record<number, number>;
  // Grows when the socket could not guarantee continuity: reload the list.
  resyncs?: number;
}

export function PlaydatesPage({ live, unread = {}, resyncs = 0 }: Props) {
  const { user } = useAuth();
  const [playdates, setPlaydates] = useState<Playdate[] | null>(null);
  const [tab, setTab] = useState<Tab>("incoming");
  const [notice, setNotice] = useState<string | null>(null);
  const [countering, setCountering] = useState<number | null>(null);
  const [proposal, setProposal] = useState("");

  const load = useCallback(() => {
    api.get<Page<Playdate>>("playdates/").then((page) => setPlaydates(page.results));
  }, []);
  useEffect(load, [load, resyncs]);

  // Live changes (realtime events) update the rows they name; what an event lacks (its pets,
  // when it was recorded before events carried them) stays as the row had it.
  useEffect(() => {
    if (!live?.length) return;
    setPlaydates((current) => {
      const byId = new Map((current ?? []).map((playdate) => [playdate.id, playdate]));
      for (const playdate of live) byId.set(playdate.id, { ...byId.get(playdate.id), ...playdate });
      return [...byId.values()].sort((a, b) => b.id - a.id);
    });
  }, [live]);

  async function act(playdate: Playdate, action: "accept" | "decline" | "cancel") {
    try {
      const updated = await api.post<Playdate>(`playdates/${playdate.id}/${action}`);
      setPlaydates((current) => (current ?? []).map((other) => (other.id === updated.id ? updated : other)));
      setNotice(null);
    } catch (error) {
      setNotice(error instanceof ApiError ? error.message : "That did not work. Try again.");
    }
  }

  async function counter(playdate: Playdate) {
    if (!proposal) return;
    try {
      const updated = await api.post<Playdate>(`playdates/${playdate.id}/counter`, {
        date_time: new Date(proposal).toISOString(),
      });
      setPlaydates((current) => (current ?? []).map((other) => (other.id === updated.id ? updated : other)));
      setCountering(null);
      setNotice(null);
    } catch (error) {
      setNotice(error instanceof ApiError ? error.message : "That did not work. Try again.");
    }
  }

  if (!user) return null;
  const shown = (playdates ?? []).filter((playdate) => inTab(playdate, tab, user.id));
  const waiting = (playdates ?? []).filter((playdate) => inTab(playdate, "incoming", user.id)).length;

  return (
    <section aria-labelledby="playdates-title">
      <h1 id="playdates-title">Playdates</h1>
      <div className="tabs" role="tablist" aria-label="Playdates">
        {TABS.map((name) => (
          <button key={name} role="tab" type="button" aria-selected={tab === name}
            className={tab === name ? "tab tab--active" : "tab"} onClick={() => setTab(name)}>
            {name[0]?.toUpperCase() + name.slice(1)}
            {name === "incoming" && waiting > 0 && <span className="badge" aria-label={`${waiting} waiting`}>{waiting}</span>}
          </button>
        ))}
      </div>
      {notice && <p className="form-error" role="alert">{notice}</p>}
      {playdates === null ? (
        <p className="muted">Loading…</p>
      ) : shown.length === 0 ? (
        <p className="muted">Nothing here yet.</p>
      ) : (
        <ul className="cards">
          {shown.map((playdate) => (
            <li key={playdate.id} className="card playdate" data-status={playdate.status}>
              <h2>{playdateTitle(playdate)}</h2>
              <p>{when.format(new Date(playdate.date_time))}</p>
              {playdate.location_name && <p className="muted">{playdate.location_name}</p>}
              {playdate.message && <p className="quote">“{playdate.message}”</p>}
              <p className="status">{playdate.status}</p>
              {countering === playdate.id && (
                <div className="counter">
                  <label htmlFor={`counter-${playdate.id}`}>Propose</label>
                  <input id={`counter-${playdate.id}`} type="datetime-local" value={proposal}
                    onChange={(e) => setProposal(e.target.value)} />
                  <button className="button button--primary" type="button" disabled={!proposal}
                    onClick={() => void counter(playdate)}>
                    Send proposal
                  </button>
                </div>
              )}
              <div className="actions">
                {playdate.status === "pending" && playdate.awaiting_user_id === user.id && (
                  <>
                    <button className="button button--primary" type="button" onClick={() => void act(playdate, "accept")}>
                      Accept
                    </button>
                    <button className="button" type="button" onClick={() => void act(playdate, "decline")}>
                      Decline
                    </button>
                    <button className="button button--quiet" type="button"
                      onClick={() => setCountering(countering === playdate.id ? null : playdate.id)}>
                      Another time…
                    </button>
                  </>
                )}
                {(playdate.status === "pending" || playdate.status === "accepted") && (
                  <button className="button button--quiet" type="button" onClick={() => void act(playdate, "cancel")}>
                    Cancel
                  </button>
                )}
                {playdate.status === "accepted" && (
                  <button className="button button--quiet" type="button"
                    onClick={() => download(`playdate-${playdate.id}.ics`, playdateIcs(playdate, playdateTitle(playdate)))}>
                    Add to calendar
                  </button>
                )}
                <Link className="button button--quiet" to={`/playdates/${playdate.id}/chat`}>
                  Chat
                  {(unread[playdate.id] ?? playdate.unread_count ?? 0) > 0 && (
                    <span className="badge" aria-label={`${unread[playdate.id] ?? playdate.unread_count} unread`}>
                      {unread[playdate.id] ?? playdate.unread_count}
                    </span>
                  )}
                </Link>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
