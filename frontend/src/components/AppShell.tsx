import { NavLink, Outlet } from "react-router-dom";
import { useAuth } from "../features/auth/AuthContext";
import { FeedbackButton } from "./FeedbackButton";
import { useRealtime } from "../realtime/RealtimeProvider";
import { awaitingCount } from "../realtime/store";

export function AppShell() {
  const { user, signOut } = useAuth();
  const { state, connection } = useRealtime();
  const waiting = awaitingCount(state, Date.now());
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="shell__header">
        <NavLink to="/" className="brand brand--small">
          Pawdate
        </NavLink>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Suggestions
          </NavLink>
          <NavLink to="/playdates">
            Playdates
            {waiting > 0 && (
              <span className="badge" aria-label={`${waiting} waiting for your answer`}>
                {waiting}
              </span>
            )}
          </NavLink>
          <NavLink to="/pets">My pets</NavLink>
          <NavLink to="/profile">Profile</NavLink>
          <NavLink to="/sessions">Sessions</NavLink>
          {user?.role === "moderator" && <NavLink to="/moderation">Moderation</NavLink>}
        </nav>
        {(connection === "reconnecting" || connection === "connecting") && (
          <span className="connection" role="status">
            {connection === "connecting" ? "Connecting…" : "Reconnecting…"}
          </span>
        )}
        <button className="button button--quiet" type="button" onClick={() => void signOut()}>
          Log out
        </button>
      </header>
      <main id="main" className="page">
        <Outlet />
      </main>
      <footer className="shell__footer">
        <FeedbackButton />
      </footer>
    </div>
  );
}
