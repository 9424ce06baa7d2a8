// The API's shapes (CONTRACT.md) the screens use; the real-time frames' are in realtime/types.

export type Role = "owner" | "moderator";

export interface User {
  id: number;
  email: string;
  username: string;
  location: string;
  latitude: number | null;
  longitude: number | null;
  role: Role;
  date_joined: string;
  metro?: string;
  time_zone?: string;
}

export interface LoginSession {
  id: number;
  created_at: string;
  last_used_at: string;
  user_agent: string;
  current: boolean;
}

export interface Page<T> {
  results: T[];
  next: string | null;
}
