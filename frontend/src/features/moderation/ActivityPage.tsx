import { useEffect, useRef, useState } from "react";
import { ApiError, api } from "../../api/http";
import type { Page } from "../../api/types";
import { MetroFilter } from "../../components/MetroFilter";
import type { Activity as ActivityItem } from "../../realtime/types";

const KINDS = [
  "user.registered", "user.deleted", "user.suspended", "user.unsuspended", "pet.created",
  "playdate.invited", "playdate.accepted", "playdate.declined", "playdate.cancelled", "playdate.countered",
  "chat.message", "message.hidden", "report.filed", "report.resolved",
];
const time = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

const loadFailure = (failure: unknown) =>
  `The activity could not be loaded. ${failure instanceof ApiError ? failure.message : "Please try again."}`;

export function matches(item: ActivityItem, kind: string, metro: string): boolean {
  return (!kind || item.kind === kind) && (!metro || item.metro === metro);
}

/** The activity feed: a page from the API, then what streams in live (`live`, newest first). */
export function ActivityPage({ live = [] }: { live?: ActivityItem[] }) {
  const [kind, setKind] = useState("");
  const [metro, setMetro] = useState("");
  const [items, setItems] = useState<ActivityItem[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Grows with each choice of filters: an answer (or an older page) asked for before is dropped.
  const filtering = useRef(0);

  useEffect(() => {
    const query = new URLSearchParams({ limit: "50", ...(kind ? { kind } : {}), ...(metro ? { metro } : {}) });
    const abort = new AbortController();
    filtering.current += 1;
    setItems(null);
    setNext(null);
    setError(null);
    api
      .get<Page<ActivityItem>>(`moderation/activity?${query}`, abort.signal)
      .then((page) => {
        if (abort.signal.aborted) return;
        setItems(page.results);
        setNext(page.next);
      })
      .catch((failure: unknown) => {
        if (!abort.signal.aborted) setError(loadFailure(failure));
      });
    return () => abort.abort();
  }, [kind, metro]);

  async function more() {
    if (!next) return;
    const asked = filtering.current;
    setError(null);
    try {
      const page = await api.get<Page<ActivityItem>>(next.slice(next.indexOf("/api/v1/") + "/api/v1/".length));
      if (asked !== filtering.current) return;
      setItems((current) => [...(current ?? []), ...page.results]);
      setNext(page.next);
    } catch (failure) {
      if (asked === filtering.current) setError(loadFailure(failure));
    }
  }

  const seen = new Set((items ?? []).map((item) => item.id));
  const fresh = live.filter((item) => !seen.has(item.id) && matches(item, kind, metro));
  const shown = [...fresh, ...(items ?? [])];

  return (
    <section aria-labelledby="activity-title">
      <h1 id="activity-title">Live activity</h1>
      <div className="filters">
        <label>
          Kind{" "}
          <select value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="">All</option>
            {KINDS.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <MetroFilter value={metro} onChange={setMetro} />
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {items === null ? (
        !error && <p className="muted">Loading…</p>
      ) : (
        <ol className="feed" aria-live="polite">
          {shown.map((item) => (
            <li key={item.id} className="feed__item" data-kind={item.kind}>
              <time dateTime={item.created_at}>{time.format(new Date(item.created_at))}</time>
              <span className="tag">{item.kind}</span>
              <span>{item.summary}</span>
              {item.metro && <span className="muted">{item.metro}</span>}
            </li>
          ))}
        </ol>
      )}
      {next && (
        <button className="button" type="button" onClick={() => void more()}>
          Older
        </button>
      )}
    </section>
  );
}
