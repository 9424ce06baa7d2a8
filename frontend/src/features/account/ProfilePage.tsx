import { useEffect, useState, type FormEvent } from "react";
import { api } from "../../api/http";
import type { User } from "../../api/types";
import { Field } from "../../components/Field";
import { useAuth } from "../auth/AuthContext";
import { useSubmit } from "../auth/useForm";

export interface Neighbourhood {
  name: string;
  slug: string;
  latitude: number;
  longitude: number;
}

export interface Metro {
  slug: string;
  name: string;
  latitude: number;
  longitude: number;
  neighbourhoods: Neighbourhood[];
}

export interface Place {
  location: string;
  latitude: number;
  longitude: number;
}

/** Where picking a city, or one of its neighbourhoods, puts the owner: the text others see and
 * the point suggestions are measured from (the neighbourhood's centre, else the city's). */
export function placeOf(metro: Metro, neighbourhoodSlug: string): Place {
  const neighbourhood = metro.neighbourhoods.find((place) => place.slug === neighbourhoodSlug);
  const centre = neighbourhood ?? metro;
  const location = neighbourhood ? `${neighbourhood.name}, ${metro.name}` : metro.name;
  return { location, latitude: centre.latitude, longitude: centre.longitude };
}

/** The slug of the neighbourhood of `metro` whose centre is exactly this point (so the one the
 * owner picked last time shows as picked), else "". */
export function neighbourhoodAt(metro: Metro | undefined, latitude: number | null, longitude: number | null): string {
  const picked = metro?.neighbourhoods.find((place) => place.latitude === latitude && place.longitude === longitude);
  return picked?.slug ?? "";
}

/** Whether the location text is empty or one a pick wrote, so the next pick may replace it; the
 * owner's own words stay when only the city changes. */
export function isPickedLocation(metros: Metro[], text: string): boolean {
  return (
    text === "" ||
    metros.some(
      (metro) => metro.name === text || metro.neighbourhoods.some((place) => placeOf(metro, place.slug).location === text),
    )
  );
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
  const [metroSlug, setMetroSlug] = useState(user?.metro ?? "");
  const [neighbourhoodSlug, setNeighbourhoodSlug] = useState("");
  const metro = metros.find((area) => area.slug === metroSlug);
  useEffect(() => {
    api.get<Metro[]>("metros").then((areas) => {
      const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
      setMetros(areas.map((area) => ({ ...area, neighbourhoods: [...area.neighbourhoods].sort(byName) })).sort(byName));
      const home = areas.find((area) => area.slug === user?.metro);
      setNeighbourhoodSlug(neighbourhoodAt(home, user?.latitude ?? null, user?.longitude ?? null));
    }).catch(() => setLocating("The list of cities did not load: type where you live in Location, or use your location."));
  }, []);

  function pickMetro(slug: string) {
    setMetroSlug(slug);
    setNeighbourhoodSlug("");
    const area = metros.find((candidate) => candidate.slug === slug);
    if (!area) return;
    const place = placeOf(area, "");
    setPosition({ latitude: place.latitude, longitude: place.longitude });
    if (isPickedLocation(metros, location)) setLocation(place.location);
    setLocating(null);
  }

  function pickNeighbourhood(slug: string) {
    if (!metro) return;
    setNeighbourhoodSlug(slug);
    const place = placeOf(metro, slug);
    setPosition({ latitude: place.latitude, longitude: place.longitude });
    if (slug || isPickedLocation(metros, location)) setLocation(place.location);
    setLocating(null);
  }

  function useMyLocation() {
    if (!navigator.geolocation) {
      setLocating("This browser cannot tell where you are: type where you live in Location instead.");
      return;
    }
    setLocating("Finding you…");
    navigator.geolocation.getCurrentPosition(
      (found) => {
        setPosition({ latitude: found.coords.latitude, longitude: found.coords.longitude });
        setNeighbourhoodSlug("");
        setLocating("Found you. Save to use this place.");
      },
      () => setLocating("We could not get your location. Type where you live in Location instead."),
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
        <Field label="Location" value={location} placeholder="Brooklyn, NY"
          onChange={(e) => setLocation(e.target.value)} errors={fieldErrors.location}
          hint="Other owners see this, never your exact position." />
        <div className="row row--places">
          <div className="field">
            <label htmlFor="profile-metro">City</label>
            <select id="profile-metro" value={metroSlug} onChange={(e) => pickMetro(e.target.value)}>
              <option value="">Choose your city…</option>
              {metros.map((area) => (
                <option key={area.slug} value={area.slug}>
                  {area.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="profile-neighbourhood">Neighbourhood</label>
            <select id="profile-neighbourhood" value={neighbourhoodSlug} disabled={!metro?.neighbourhoods.length}
              onChange={(e) => pickNeighbourhood(e.target.value)}>
              <option value="">{metro ? "City centre" : "Choose a city first"}</option>
              {metro?.neighbourhoods.map((place) => (
                <option key={place.slug} value={place.slug}>
                  {place.name}
                </option>
              ))}
            </select>
          </div>
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
