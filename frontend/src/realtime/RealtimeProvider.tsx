import { createContext, useContext, useEffect, useMemo, useReducer, useState, type Dispatch, type ReactNode } from "react";
import { ApiError, api } from "../api/http";
import { useAuth } from "../features/auth/AuthContext";
import { RealtimeClient, type ConnectionState } from "./client";
import { initialState, reducer, type RealtimeState, type StoreAction } from "./store";
import type { Playdate } from "./types";

interface Realtime {
  state: RealtimeState;
  dispatch: Dispatch<StoreAction>;
  connection: ConnectionState;
  client: RealtimeClient | null;
  // Grows at every resync: screens reload what they show by REST.
  resyncs: number;
}

const RealtimeContext = createContext<Realtime | null>(null);

async function ticket(): Promise<string> {
  try {
    return (await api.post<{ ticket: string }>("realtime/ticket")).ticket;
  } catch (error) {
    // The client reads `status` to tell "logged out" from a network fault.
    if (error instanceof ApiError) throw Object.assign(new Error(error.message), { status: error.status });
    throw error;
  }
}

/** One socket per signed-in page: its frames go through the store's reducer. */
export function RealtimeProvider({ children }: { children: ReactNode }) {
  const { user, signOut } = useAuth();
  const [state, dispatch] = useReducer(reducer, initialState(user?.id ?? null));
  const [connection, setConnection] = useState<ConnectionState>("closed");
  const [client, setClient] = useState<RealtimeClient | null>(null);
  const [resyncs, setResyncs] = useState(0);
  // The socket belongs to who is signed in, not to the user object: a profile save replaces the
  // object, and must not cost a new ticket, a resume or the live store.
  const userId = user?.id ?? null;

  useEffect(() => {
    if (userId === null) return;
    const socket = new RealtimeClient({ getTicket: ticket });
    const stops = [
      socket.onFrame((frame) => dispatch({ type: "frame", frame, now: Date.now() })),
      socket.onState((next) => {
        setConnection(next);
        // Suspended, deleted or logged out elsewhere: this page is logged out too.
        if (next === "forbidden" || next === "logged_out") void signOut();
      }),
      socket.onResync(() => {
        dispatch({ type: "reset", userId });
        setResyncs((count) => count + 1);
      }),
    ];
    const online = () => socket.reconnectNow();
    window.addEventListener("online", online);
    const typing = window.setInterval(() => dispatch({ type: "typing.expire", now: Date.now() }), 1_000);
    setClient(socket);
    socket.start();
    return () => {
      for (const stop of stops) stop();
      window.removeEventListener("online", online);
      window.clearInterval(typing);
      socket.close();
      setClient(null);
    };
  }, [userId, signOut]);

  // What the badge counts: the playdates as they are now (and again after each resync).
  useEffect(() => {
    if (userId === null) return;
    api
      .get<{ results: Playdate[] }>("playdates/?limit=100")
      .then((page) => dispatch({ type: "playdates.loaded", playdates: page.results }))
      .catch(() => undefined);
  }, [userId, resyncs]);

  const value = useMemo(() => ({ state, dispatch, connection, client, resyncs }), [state, connection, client, resyncs]);
  return <RealtimeContext.Provider value={value}>{children}</RealtimeContext.Provider>;
}

export function useRealtime(): Realtime {
  const realtime = useContext(RealtimeContext);
  if (!realtime) throw new Error("useRealtime outside RealtimeProvider");
  return realtime;
}
