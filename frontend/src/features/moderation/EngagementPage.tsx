import { useEffect, useState } from "react";
import { ApiError, api } from "../../api/http";
import { BarList, LineChart } from "../../components/charts";
import { MetroFilter } from "../../components/MetroFilter";

interface Day {
  date: string;
  dau: number;
  wau: number;
  mau: number;
  new_users: number;
  new_pets: number;
  suggestions_shown: number;
  invitations_sent: number;
  invitations_accepted: number;
  acceptance_rate: number | null;
  median_seconds_to_accept: number | null;
  p90_seconds_to_accept: number | null;
  messages_sent: number;
  playdates_completed: number;
}

interface Engagement {
  days: Day[];
  totals: Omit<Day, "date" | "dau" | "wau" | "mau">;
  active_users: { dau: number; wau: number; mau: number; average_dau: number; stickiness: number | null };
  funnel: {
    suggested: number;
    invited: number;
    accepted: number;
    completed: number;
    invited_per_suggested: number | null;
    accepted_per_invited: number | null;
    completed_per_accepted: number | null;
  };
  cohorts: { week: string; size: number; retention: { week: number; active: number; rate: number | null }[] }[];
}

const iso = (day: Date) => day.toISOString().slice(0, 10);
const percent = (rate: number | null) => (rate === null ? "–" : `${Math.round(rate * 100)}%`);
const duration = (seconds: number | null) =>
  seconds === null ? "–" : seconds < 3600 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;

export function EngagementPage() {
  const [days, setDays] = useState(30);
  const [metro, setMetro] = useState("");
  const [data, setData] = useState<Engagement | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const end = new Date();
    const start = new Date(end.getTime() - (days - 1) * 86_400_000);
    const query = new URLSearchParams({ start: iso(start), end: iso(end), ...(metro ? { metro } : {}) });
    // Only the answer for the range and area chosen last is shown: the others are dropped.
    const abort = new AbortController();
    setData(null);
    setError(null);
    api
      .get<Engagement>(`metrics/engagement?${query}`, abort.signal)
      .then((figures) => {
        if (!abort.signal.aborted) setData(figures);
      })
      .catch((failure: unknown) => {
        if (!abort.signal.aborted) setError(failure instanceof ApiError ? failure.message : "Could not load the figures.");
      });
    return () => abort.abort();
  }, [days, metro]);

  return (
    <section aria-labelledby="engagement-title">
      <h1 id="engagement-title">Engagement</h1>
      <div className="filters">
        <label>
          Range{" "}
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            <option value={7}>7 days</option>
            <option value={30}>30 days</option>
            <option value={90}>90 days</option>
            <option value={365}>A year</option>
          </select>
        </label>
        <MetroFilter value={metro} onChange={setMetro} />
      </div>
      {error && <p className="form-error" role="alert">{error}</p>}
      {!data ? (
        !error && <p className="muted">Loading…</p>
      ) : (
        <>
          <div className="stats">
            <Stat label="Daily active" value={data.active_users.dau} />
            <Stat label="Weekly active" value={data.active_users.wau} />
            <Stat label="Monthly active" value={data.active_users.mau} />
            <Stat label="Stickiness (DAU/MAU)" value={percent(data.active_users.stickiness)} />
            <Stat label="Acceptance rate" value={percent(data.totals.acceptance_rate)} />
            <Stat label="Median time to accept" value={duration(data.totals.median_seconds_to_accept)} />
          </div>
          <LineChart title="Active owners: daily, weekly and monthly" labels={data.days.map((day) => day.date)}
            series={[
              { name: "Monthly active (30 days)", values: data.days.map((day) => day.mau), colour: "#0f766e" },
              { name: "Weekly active (7 days)", values: data.days.map((day) => day.wau), colour: "#2563eb" },
              { name: "Daily active", values: data.days.map((day) => day.dau), colour: "#b4420b" },
            ]} />
          <LineChart title="Sign-ups and new pets per day" labels={data.days.map((day) => day.date)}
            series={[
              { name: "New owners", values: data.days.map((day) => day.new_users), colour: "#7c3aed" },
              { name: "New pets", values: data.days.map((day) => day.new_pets), colour: "#ca8a04" },
            ]} />
          <LineChart title="Invitations per day" labels={data.days.map((day) => day.date)}
            series={[
              { name: "Sent", values: data.days.map((day) => day.invitations_sent), colour: "#7c3aed" },
              { name: "Accepted", values: data.days.map((day) => day.invitations_accepted), colour: "#15803d" },
            ]} />
          <BarList title="Invitation funnel" bars={[
            { label: "Suggested", value: data.funnel.suggested },
            { label: "Invited", value: data.funnel.invited, note: percent(data.funnel.invited_per_suggested) },
            { label: "Accepted", value: data.funnel.accepted, note: percent(data.funnel.accepted_per_invited) },
            { label: "Completed", value: data.funnel.completed, note: percent(data.funnel.completed_per_accepted) },
          ]} />
          <h2>Weekly sign-up cohorts</h2>
          <div className="table-wrap">
            <table className="cohorts">
              <thead>
                <tr>
                  <th scope="col">Week of</th>
                  <th scope="col">Owners</th>
                  {Array.from({ length: Math.max(0, ...data.cohorts.map((c) => c.retention.length)) }, (_, index) => (
                    <th key={index} scope="col">Week {index + 1}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.cohorts.map((cohort) => (
                  <tr key={cohort.week}>
                    <th scope="row">{cohort.week}</th>
                    <td>{cohort.size}</td>
                    {cohort.retention.map((cell) => (
                      <td key={cell.week} style={{ background: `rgb(180 66 11 / ${(cell.rate ?? 0) * 0.8})` }}>
                        {percent(cell.rate)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function Stat({ label, value }: { label: string; value: number | string }) {
  return (
    <div className="card stat">
      <span className="stat__value">{typeof value === "number" ? value.toLocaleString() : value}</span>
      <span className="muted">{label}</span>
    </div>
  );
}
