import { useCallback, useEffect, useState } from "react";
import { ApiError, api } from "../../api/http";
import type { Page } from "../../api/types";

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
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(() => {
    api.get<Page<Report>>(`moderation/reports?status=open&ordering=${ordering}`).then((page) => setReports(page.results));
  }, [ordering]);
  useEffect(load, [load]);

  async function resolve(report: Report, action: "dismiss" | "hide_message" | "suspend_user") {
    const note = window.prompt("A note for the audit log (why):", "") ?? "";
    try {
      await api.post(`moderation/reports/${report.id}/resolve`, { action, note });
      setNotice(`Report ${report.id} resolved (${action.replace("_", " ")}).`);
      load();
    } catch (error) {
      setNotice(error instanceof ApiError ? error.message : "That did not work.");
    }
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
      {notice && <p className="notice" role="status">{notice}</p>}
      {reports === null ? (
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
                <button className="button" type="button" onClick={() => void resolve(report, "dismiss")}>
                  Dismiss
                </button>
                {report.target.type === "message" && (
                  <button className="button" type="button" onClick={() => void resolve(report, "hide_message")}>
                    Hide message
                  </button>
                )}
                <button className="button button--danger" type="button" onClick={() => void resolve(report, "suspend_user")}>
                  Suspend user
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
