import { NavLink, Outlet } from "react-router-dom";
import { useAuth } from "../features/auth/AuthContext";

export function AppShell() {
  const { user, signOut } = useAuth();
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
          <NavLink to="/playdates">Playdates</NavLink>
          <NavLink to="/pets">My pets</NavLink>
          <NavLink to="/profile">Profile</NavLink>
          <NavLink to="/sessions">Sessions</NavLink>
          {user?.role === "moderator" && <NavLink to="/moderation">Moderation</NavLink>}
        </nav>
        <button className="button button--quiet" type="button" onClick={() => void signOut()}>
          Log out
        </button>
      </header>
      <main id="main" className="page">
        <Outlet />
      </main>
    </div>
  );
}
