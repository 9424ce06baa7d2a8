// Logging in and out through the browser session endpoints: the refresh token lives in an
// HttpOnly cookie the page never sees; the access token only in memory (api/http.ts).

import { api, renewAccess, request, setAccess } from "./http";
import type { User } from "./types";

interface SessionAnswer {
  access: string;
  user: User;
}

export interface Registration {
  email: string;
  username: string;
  password: string;
  location?: string;
  latitude?: number;
  longitude?: number;
}

export async function login(email: string, password: string): Promise<User> {
  const answer = await request<SessionAnswer>("POST", "auth/browser/login", {
    body: { email, password },
    session: true,
  });
  setAccess(answer.access);
  return answer.user;
}

export async function register(registration: Registration): Promise<User> {
  const answer = await request<SessionAnswer>("POST", "auth/browser/register", {
    body: registration,
    session: true,
  });
  setAccess(answer.access);
  return answer.user;
}

export async function logout(): Promise<void> {
  try {
    await request<null>("POST", "auth/browser/logout", { session: true });
  } finally {
    setAccess(null);
  }
}

/** On page load: the session the cookie holds, if any (the server's readable
 * `pawdate_signed_in` cookie says whether there is one to ask for). */
export async function resume(): Promise<User | null> {
  if (!document.cookie.split("; ").includes("pawdate_signed_in=1")) return null;
  if (!(await renewAccess())) return null;
  return api.get<User>("me");
}
