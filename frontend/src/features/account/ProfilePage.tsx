import { useEffect, useState, type FormEvent } from "react";
import { api } from "../../api/http";
import type { User } from "../../api/types";
import { Field } from "../../components/Field";
import { useAuth } from "../auth/AuthContext";
import { useSubmit } from "../auth/useForm";

interface Metro {
  slug: string;
  name: string;
  latitude: number;
  longitude: number;
}

export function ProfilePage() {
  const { user, signedIn } = useAuth();
  const [location, setLocation] = useState(user?.location ?? "");
  const [position, setPosition] = useState<{ latitude: number; longitude: number } | null>(
    user?.latitude != null && user.longitude != null ? { latitude: user.latitude, longitude: user.longitude } : null,
  );
  const [locating, setLocating] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const { busy, fieldErrors, formError, submit } = useSubmit();
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const [metros, setMetros] = useState<Metro[]>([]);
  useEffect(() => {
    api.get<Metro[]>("metros").then((areas) => setMetros([...areas].sort((a, b) => a.name.localeCompare(b.name))));
  }, []);

  function pickMetro(slug: string) {
    const area = metros.find((metro) => metro.slug === slug);
    if (!area) return;
    setPosition({ latitude: area.latitude, longitude: area.longitude });
    if (!location) setLocation(area.name);
    setLocating(null);
  }

  function useMyLocation() {
    if (!navigator.geolocation) {
      setLocating("This browser cannot tell where you are: type your neighbourhood instead.");
      return;
    }
    setLocating("Finding you…");
    navigator.geolocation.getCurrentPosition(
      (found) => {
        setPosition({ latitude: found.coords.latitude, longitude: found.coords.longitude });
        setLocating("Found you. Save to use this place.");
      },
      () => setLocating("We could not get your location. Type your neighbourhood instead."),
      { timeout: 10_000 },
    );
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    void submit(async () => {
      const updated = await api.patch<User>("me", { location, time_zone: timeZone, ...(position ?? {}) });
      signedIn(updated);
      setSaved(true);
    });
  }

  return (
    <section aria-labelledby="profile-title">
      <h1 id="profile-title">Profile</h1>
      <form className="card form" onSubmit={onSubmit} noValidate>
        <p className="muted">
          Signed in as <strong>{user?.username}</strong> ({user?.email}). Your time zone: {timeZone}.
        </p>
        {formError && (
          <p className="form-error" role="alert">
            {formError}
          </p>
        )}
        <Field label="Neighbourhood" value={location} placeholder="Brooklyn, NY"
          onChange={(e) => setLocation(e.target.value)} errors={fieldErrors.location}
          hint="Other owners see this, never your exact position." />
        <div className="field">
          <label htmlFor="profile-metro">City</label>
          <select id="profile-metro" defaultValue={user?.metro ?? ""} onChange={(e) => pickMetro(e.target.value)}>
            <option value="">Choose your city…</option>
            {metros.map((metro) => (
              <option key={metro.slug} value={metro.slug}>
                {metro.name}
              </option>
            ))}
          </select>
        </div>
        <button className="button" type="button" onClick={useMyLocation}>
          Use my location
        </button>
        {locating && <p className="muted" role="status">{locating}</p>}
        {(fieldErrors.latitude || fieldErrors.longitude) && (
          <p className="form-error" role="alert">
            {[...(fieldErrors.latitude ?? []), ...(fieldErrors.longitude ?? [])].join(" ")}
          </p>
        )}
        <button className="button button--primary" type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save"}
        </button>
        {saved && <p role="status">Saved.</p>}
      </form>
    </section>
  );
}
