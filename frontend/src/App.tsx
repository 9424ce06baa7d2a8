import { BrowserRouter, Navigate, Route, Routes } from "react-router-dom";
import { AppShell } from "./components/AppShell";
import { ProfilePage } from "./features/account/ProfilePage";
import { SessionsPage } from "./features/account/SessionsPage";
import { AuthProvider, useAuth } from "./features/auth/AuthContext";
import { LoginPage } from "./features/auth/LoginPage";
import { SignupPage } from "./features/auth/SignupPage";
import { ActivityPage } from "./features/moderation/ActivityPage";
import { EngagementPage } from "./features/moderation/EngagementPage";
import { FeedbackPage } from "./features/moderation/FeedbackPage";
import { ModerationLayout } from "./features/moderation/ModerationLayout";
import { ReportsPage } from "./features/moderation/ReportsPage";
import { UsersPage } from "./features/moderation/UsersPage";
import { PetDetailPage } from "./features/pets/PetDetailPage";
import { PetsPage } from "./features/pets/PetsPage";
import { PlaydatesPage } from "./features/playdates/PlaydatesPage";
import { SuggestionsPage } from "./features/suggestions/SuggestionsPage";
import { ChatPage } from "./features/chat/ChatPage";
import { RealtimeProvider, useRealtime } from "./realtime/RealtimeProvider";

function SignedIn() {
  const { user, checking } = useAuth();
  if (checking) return <p className="page muted" role="status">Loading Pawdate…</p>;
  if (!user) return <Navigate to="/login" replace />;
  return (
    <RealtimeProvider>
      <AppShell />
    </RealtimeProvider>
  );
}

function LivePlaydates() {
  const { state, resyncs } = useRealtime();
  const unread = Object.fromEntries(Object.entries(state.chats).map(([id, chat]) => [id, chat.unread]));
  return <PlaydatesPage live={Object.values(state.playdates)} unread={unread} resyncs={resyncs} />;
}

function LiveActivity() {
  const { state } = useRealtime();
  return <ActivityPage live={state.moderation.items} />;
}

export function App() {
  return (
    <AuthProvider>
      <BrowserRouter>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/signup" element={<SignupPage />} />
          <Route element={<SignedIn />}>
            <Route index element={<SuggestionsPage />} />
            <Route path="/playdates" element={<LivePlaydates />} />
            <Route path="/playdates/:playdateId/chat" element={<ChatPage />} />
            <Route path="/pets" element={<PetsPage />} />
            <Route path="/pets/:petId" element={<PetDetailPage />} />
            <Route path="/profile" element={<ProfilePage />} />
            <Route path="/sessions" element={<SessionsPage />} />
            <Route path="/moderation" element={<ModerationLayout />}>
              <Route index element={<LiveActivity />} />
              <Route path="reports" element={<ReportsPage />} />
              <Route path="engagement" element={<EngagementPage />} />
              <Route path="feedback" element={<FeedbackPage />} />
              <Route path="users" element={<UsersPage />} />
            </Route>
            <Route path="*" element={<p>That page does not exist.</p>} />
          </Route>
        </Routes>
      </BrowserRouter>
    </AuthProvider>
  );
}
