// The API client: JSON in and out, the contract's error shape as ApiError, the access token
// kept in memory only and renewed quietly through the HttpOnly refresh cookie
// (POST /api/v1/auth/browser/refresh) before it expires or when a call finds it expired.

export interface ErrorBody {
  code: string;
  message: string;
  fields?: Record<string, string[]>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string[]>;
  readonly retryAfter: number | null;

  constructor(status: number, body: ErrorBody, retryAfter: number | null = null) {
    super(body.message);
    this.status = status;
    this.code = body.code;
    this.fields = body.fields ?? {};
    this.retryAfter = retryAfter;
  }
}

const CLIENT_HEADER = { "X-Pawdate-Client": "web" };
// Renew this long before the access token's expiry, so no call meets an expired one.
const RENEW_EARLY_MS = 60_000;

type Listener = (access: string | null) => void;

let access: string | null = null;
let renewTimer: ReturnType<typeof setTimeout> | undefined;
let renewing: Promise<string | null> | null = null;
const listeners = new Set<Listener>();

/** When a JWT expires, in ms since the epoch (its `exp` claim), or null if unreadable. */
export function expiresAt(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as {
      exp?: number;
    };
    return typeof claims.exp === "number" ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

export function currentAccess(): string | null {
  return access;
}

export function onAccessChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Keeps `token` (null: logged out) and schedules its quiet renewal. */
export function setAccess(token: string | null): void {
  access = token;
  clearTimeout(renewTimer);
  if (token) {
    const expiry = expiresAt(token);
    if (expiry !== null) {
      const delay = Math.max(5_000, expiry - Date.now() - RENEW_EARLY_MS);
      renewTimer = setTimeout(() => void renewAccess(), delay);
    }
  }
  for (const listener of listeners) listener(token);
}

async function parse(response: Response): Promise<unknown> {
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? (JSON.parse(text) as unknown) : null;
}

function toError(response: Response, body: unknown): ApiError {
  const error = (body as { error?: ErrorBody } | null)?.error;
  const retry = response.headers.get("Retry-After");
  return new ApiError(
    response.status,
    error ?? { code: "unavailable", message: "Pawdate could not be reached. Try again." },
    retry ? Number(retry) : null,
  );
}

/** Asks for a new access token with the refresh cookie; null when the session has ended. */
export function renewAccess(): Promise<string | null> {
  renewing ??= (async () => {
    try {
      // Tabs take turns: the refresh token rotates, and a tab that presented the one another
      // tab just replaced would be refused and clear the cookie for every tab.
      const refresh = () =>
        fetch("/api/v1/auth/browser/refresh", {
          method: "POST",
          headers: CLIENT_HEADER,
          credentials: "same-origin",
        });
      const response = navigator.locks
        ? await navigator.locks.request("pawdate-refresh", refresh)
        : await refresh();
      if (!response.ok) {
        setAccess(null);
        return null;
      }
      const body = (await parse(response)) as { access: string };
      setAccess(body.access);
      return body.access;
    } catch {
      return access; // offline: keep what we have, the next call tries again
    } finally {
      renewing = null;
    }
  })();
  return renewing;
}

export interface RequestOptions {
  body?: unknown;
  // The browser session endpoints: the refresh cookie travels, the client header proves origin.
  session?: boolean;
  signal?: AbortSignal;
}

async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.session) Object.assign(headers, CLIENT_HEADER);
  else if (access) headers.Authorization = `Bearer ${access}`;
  return fetch(`/api/v1/${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: "same-origin",
    signal: options.signal,
  });
}

/** One API call; a 401 on an authenticated call renews the access token once and retries. */
export async function request<T>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  let response: Response;
  try {
    response = await send(method, path, options);
    if (response.status === 401 && !options.session && access !== null) {
      if (await renewAccess()) response = await send(method, path, options);
    }
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, {
      code: "unavailable",
      message: "You seem to be offline. Check your connection and try again.",
    });
  }
  const body = await parse(response);
  if (!response.ok) throw toError(response, body);
  return body as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>("GET", path, { signal }),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, { body }),
  put: <T>(path: string, body?: unknown) => request<T>("PUT", path, { body }),
  patch: <T>(path: string, body?: unknown) => request<T>("PATCH", path, { body }),
  delete: <T>(path: string, body?: unknown) => request<T>("DELETE", path, { body }),
};
