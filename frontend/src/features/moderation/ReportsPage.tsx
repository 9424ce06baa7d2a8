import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, api } from "../../api/http";
import type { Page } from "../../api/types";
import { Field } from "../../components/Field";

interface Report {
  id: number;
  reporter_id: number | null;
  target: { type: "user" | "pet" | "message"; id: number; user_id: number | null; preview: string };
  reason: string;
  text: string;
  status: "open" | "resolved";
  target_reports: number;
  created_at: string;
  resolution: { action: string; note: string; moderator_id: number | null; resolved_at: string } | null;
}

type Action = "dismiss" | "hide_message" | "suspend_user";

// What each action's button says, and what its confirmation asks.
const ACTIONS: Record<Action, { label: string; question: string }> = {
  dismiss: { label: "Dismiss", question: "Dismiss this report?" },
  hide_message: { label: "Hide message", question: "Hide this message from both owners?" },
  suspend_user: { label: "Suspend user", question: "Suspend this user? Their sessions end at once." },
};

const age = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
function ago(moment: string): string {
  const minutes = Math.round((new Date(moment).getTime() - Date.now()) / 60_000);
  if (Math.abs(minutes) < 60) return age.format(minutes, "minute");
  if (Math.abs(minutes) < 48 * 60) return age.format(Math.round(minutes / 60), "hour");
  return age.format(Math.round(minutes / 1440), "day");
}

export function ReportsPage() {
  const [ordering, setOrdering] = useState<"age" | "frequency">("age");
  const [reports, setReports] = useState<Report[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  // The action a moderator picked and has yet to confirm, with their note for the audit log.
  const [confirming, setConfirming] = useState<{ report: Report; action: Action } | null>(null);
  const [note, setNote] = useState("");
  const [refusal, setRefusal] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const opener = useRef<HTMLButtonElement | null>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    setLoadError(null);
    api
      .get<Page<Report>>(`moderation/reports?status=open&ordering=${ordering}`, abort.signal)
      .then((page) => {
        if (!abort.signal.aborted) setReports(page.results);
      })
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        setLoadError(`The reports could not be loaded. ${error instanceof ApiError ? error.message : "Please try again."}`);
      });
    return () => abort.abort();
  }, [ordering, reloads]);

  function ask(report: Report, action: Action, button: HTMLButtonElement) {
    opener.current = button;
    setConfirming({ report, action });
    setNote("");
    setRefusal(null);
  }

  function cancel() {
    setConfirming(null);
    setRefusal(null);
    opener.current?.focus();
  }

  // A report resolved: its card goes, so the focus goes to the sentence that says so.
  useEffect(() => {
    if (notice) noticeRef.current?.focus();
  }, [notice]);

  async function resolve(event: FormEvent) {
    event.preventDefault();
    if (!confirming) return;
    const { report, action } = confirming;
    setBusy(true);
    setRefusal(null);
    try {
      await api.post(`moderation/reports/${report.id}/resolve`, { action, note });
    } catch (error) {
      setRefusal(error instanceof ApiError ? error.message : "That did not work. Please try again.");
      return;
    } finally {
      setBusy(false);
    }
    setConfirming(null);
    setNotice(`Report ${report.id} resolved (${action.replace("_", " ")}).`);
    setReloads((count) => count + 1);
  }

  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">Reports</h1>
      <div className="filters">
        <label>
          Order{" "}
          <select value={ordering} onChange={(e) => setOrdering(e.target.value as "age" | "frequency")}>
            <option value="age">Oldest first</option>
            <option value="frequency">Most reported first</option>
          </select>
        </label>
      </div>
      {notice && <p className="notice" role="status" tabIndex={-1} ref={noticeRef}>{notice}</p>}
      {loadError ? (
        <p className="form-error" role="alert">{loadError}</p>
      ) : reports === null ? (
        <p className="muted">Loading…</p>
      ) : reports.length === 0 ? (
        <p className="muted">No open reports. All quiet.</p>
      ) : (
        <ul className="cards cards--wide">
          {reports.map((report) => (
            <li key={report.id} className="card report">
              <p className="report__head">
                <span className="tag">{report.reason.replace("_", " ")}</span>
                <strong>{report.target.type}</strong> #{report.target.id} · reported {report.target_reports}×
                · {ago(report.created_at)}
              </p>
              <blockquote className="report__preview">{report.target.preview || "(gone)"}</blockquote>
              {report.text && <p>Reporter says: {report.text}</p>}
              <div className="actions">
                {(["dismiss", "hide_message", "suspend_user"] as const)
                  .filter((action) => action !== "hide_message" || report.target.type === "message")
                  .map((action) => (
                    <button key={action} type="button"
                      className={action === "suspend_user" ? "button button--danger" : "button"}
                      aria-expanded={confirming?.report.id === report.id && confirming.action === action}
                      onClick={(event) => ask(report, action, event.currentTarget)}>
                      {ACTIONS[action].label}
                    </button>
                  ))}
              </div>
              {confirming?.report.id === report.id && (
                <form className="report__confirm" onSubmit={(event) => void resolve(event)}
                  onKeyDown={(event) => event.key === "Escape" && cancel()}
                  aria-label={`${ACTIONS[confirming.action].label}: report ${report.id}`}>
                  <p className="report__question">{ACTIONS[confirming.action].question}</p>
                  {refusal && <p className="form-error" role="alert">{refusal}</p>}
                  <Field label="Why (for the audit log)" value={note} autoFocus onChange={(e) => setNote(e.target.value)} />
                  <div className="actions">
                    <button type="submit" disabled={busy}
                      className={confirming.action === "suspend_user" ? "button button--danger" : "button button--primary"}>
                      {busy ? "Saving…" : `Confirm: ${ACTIONS[confirming.action].label.toLowerCase()}`}
                    </button>
                    <button className="button button--quiet" type="button" onClick={cancel}>
                      Cancel
                    </button>
                  </div>
                </form>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
