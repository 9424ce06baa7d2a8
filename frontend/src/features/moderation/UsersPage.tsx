import { useState, type FormEvent } from "react";
import { ApiError, api } from "../../api/http";

interface ModeratedUser {
  id: number;
  email: string;
  username: string;
  role: string;
  suspended_at: string | null;
}

/** Suspend or lift a suspension by user id (the feed and the reports show ids). */
export function UsersPage() {
  const [userId, setUserId] = useState("");
  const [note, setNote] = useState("");
  const [result, setResult] = useState<string | null>(null);

  async function act(event: FormEvent, action: "suspend" | "unsuspend") {
    event.preventDefault();
    try {
      const user = await api.post<ModeratedUser>(`moderation/users/${Number(userId)}/${action}`, { note });
      setResult(user.suspended_at ? `${user.username} is suspended.` : `${user.username} may use Pawdate again.`);
    } catch (error) {
      setResult(error instanceof ApiError ? error.message : "That did not work.");
    }
  }

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Suspensions</h1>
      <form className="card form" onSubmit={(event) => void act(event, "suspend")}>
        <div className="field">
          <label htmlFor="moderated-user">User id</label>
          <input id="moderated-user" inputMode="numeric" value={userId} onChange={(e) => setUserId(e.target.value.replace(/\D/g, ""))} />
        </div>
        <div className="field">
          <label htmlFor="moderation-note">Why (for the audit log)</label>
          <input id="moderation-note" value={note} onChange={(e) => setNote(e.target.value)} />
        </div>
        {result && <p role="status" className="notice">{result}</p>}
        <div className="actions">
          <button className="button button--danger" type="submit" disabled={!userId}>Suspend</button>
          <button className="button" type="button" disabled={!userId} onClick={(event) => void act(event, "unsuspend")}>
            Lift suspension
          </button>
        </div>
      </form>
    </section>
  );
}
