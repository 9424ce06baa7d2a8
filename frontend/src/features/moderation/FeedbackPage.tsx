import { useEffect, useState } from "react";
import { ApiError, api } from "../../api/http";
import type { Page } from "../../api/types";

interface Feedback {
  id: number;
  user_id: number | null;
  message: string;
  page: string;
  created_at: string;
}

const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function FeedbackPage() {
  const [items, setItems] = useState<Feedback[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    api
      .get<Page<Feedback>>("moderation/feedback", abort.signal)
      .then((page) => setItems(page.results))
      .catch((failure: unknown) => {
        if (abort.signal.aborted) return;
        setError(`The feedback could not be loaded. ${failure instanceof ApiError ? failure.message : "Please try again."}`);
      });
    return () => abort.abort();
  }, []);
  return (
    <section aria-labelledby="feedback-title">
      <h1 id="feedback-title">Feedback</h1>
      {error ? (
        <p className="form-error" role="alert">{error}</p>
      ) : items === null ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">No feedback yet.</p>
      ) : (
        <ul className="cards cards--wide">
          {items.map((item) => (
            <li key={item.id} className="card">
              <p>{item.message}</p>
              <p className="muted">
                {when.format(new Date(item.created_at))}
                {item.page && ` · on ${item.page}`}
                {item.user_id && ` · owner #${item.user_id}`}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
