import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import * as auth from "../../api/auth";
import { onAccessChange } from "../../api/http";
import type { User } from "../../api/types";

interface AuthState {
  user: User | null;
  // Still asking the server whether the cookie holds a session.
  checking: boolean;
  signedIn: (user: User) => void;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [checking, setChecking] = useState(true);

  useEffect(() => {
    let live = true;
    auth
      .resume()
      .then((resumed) => live && setUser(resumed))
      .catch(() => live && setUser(null))
      .finally(() => live && setChecking(false));
    // A session that ends elsewhere (revoked, suspended, refresh refused) logs this page out.
    const stop = onAccessChange((access) => {
      if (access === null) setUser(null);
    });
    return () => {
      live = false;
      stop();
    };
  }, []);

  const signOut = useCallback(async () => {
    await auth.logout().catch(() => undefined);
    setUser(null);
  }, []);

  const value = useMemo(() => ({ user, checking, signedIn: setUser, signOut }), [user, checking, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error("useAuth outside AuthProvider");
  return state;
}
