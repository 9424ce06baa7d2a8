import { useEffect, useState } from "react";
import { api } from "../../api/http";
import type { LoginSession } from "../../api/types";

const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function SessionsPage() {
  const [sessions, setSessions] = useState<LoginSession[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api
      .get<LoginSession[] | { results: LoginSession[] }>("auth/sessions")
      .then((answer) => setSessions(Array.isArray(answer) ? answer : answer.results))
      .catch(() => setError("Your sessions could not be loaded."));
  }, []);

  async function revoke(session: LoginSession) {
    await api.delete(`auth/sessions/${session.id}`);
    setSessions((current) => (current ?? []).filter((other) => other.id !== session.id));
  }

  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Where you are logged in</h1>
      {error && <p className="form-error" role="alert">{error}</p>}
      {sessions === null && !error && <p className="muted">Loading…</p>}
      <ul className="cards">
        {(sessions ?? []).map((session) => (
          <li key={session.id} className="card">
            <p>
              <strong>{session.user_agent || "Unknown device"}</strong>
              {session.current && <span className="tag">This device</span>}
            </p>
            <p className="muted">
              Since {when.format(new Date(session.created_at))}, last used {when.format(new Date(session.last_used_at))}
            </p>
            {!session.current && (
              <button className="button button--quiet" type="button" onClick={() => void revoke(session)}>
                Log this device out
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
