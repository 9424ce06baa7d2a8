import { NavLink, Outlet } from "react-router-dom";

export function ModerationLayout() {
  return (
    <div>
      <nav className="subnav" aria-label="Moderation">
        <NavLink to="/moderation" end>Activity</NavLink>
        <NavLink to="/moderation/reports">Reports</NavLink>
        <NavLink to="/moderation/engagement">Engagement</NavLink>
        <NavLink to="/moderation/feedback">Feedback</NavLink>
        <NavLink to="/moderation/users">Suspensions</NavLink>
      </nav>
      <Outlet />
    </div>
  );
}
