import { useEffect, useRef, useState, type FormEvent, type MouseEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { ApiError, api } from "../../api/http";
import { Field } from "../../components/Field";
import type { PublicPet as Pet } from "../../realtime/types";
import { DAYS, PERIODS, cellsOf, fitsGrid, windowLabel, withPeriod, type Window } from "./availability";

interface Preferences {
  max_distance_km: number;
  species: string[];
  sizes: string[];
  energy: string[];
  min_age: number;
  max_age: number;
  require_vaccinated: boolean;
  availability: Window[];
}

type Errors = Record<string, string[]>;

// The fields each request can refuse that have an input (and its errors) on the page; the others'
// errors are listed above the form under these names.
const PET_INPUTS = ["name", "breed", "age", "bio"];
const PET_FIELDS: Record<string, string> = {
  species: "Species", size: "Size", energy: "Energy", vaccinated: "Vaccinated", temperament: "Temperament",
};
const PREFERENCE_INPUTS = ["max_distance_km", "min_age", "max_age"];
const PREFERENCE_FIELDS: Record<string, string> = {
  species: "Species", sizes: "Sizes", energy: "Energy", require_vaccinated: "Only vaccinated pets", availability: "Free times",
};

/** The messages of the fields without an input on the page, in plain words. `availability.2` (or
 * `availability.2.end`) names the window it was about, as sent. */
function otherErrors(fields: Errors, inputs: string[], names: Record<string, string>, sent: Window[] = []): string[] {
  return Object.entries(fields)
    .filter(([key]) => !inputs.includes(key))
    .flatMap(([key, messages]) => {
      const [field = key, index, part] = key.split(".");
      const window = index === undefined ? undefined : sent[Number(index)];
      const name =
        key === "non_field_errors"
          ? null
          : field === "availability" && index !== undefined
            ? `Free time ${window ? windowLabel(window) : Number(index) + 1}${part ? ` (${part})` : ""}`
            : names[field] ?? field.replace(/_/g, " ");
      return messages.map((message) => (name ? `${name}: ${message}` : message));
    });
}

function toggle(list: string[], value: string): string[] {
  return list.includes(value) ? list.filter((item) => item !== value) : [...list, value];
}

interface Problem {
  headline: string;
  items: string[];
}

/** What went wrong with a request, for the form's summary: the field errors and a sentence. */
function failure(error: unknown, inputs: string[]): { fields: Errors; marked: boolean; reason: string } {
  if (!(error instanceof ApiError)) return { fields: {}, marked: false, reason: " Something went wrong. Please try again." };
  const marked = Object.keys(error.fields).some((key) => inputs.includes(key));
  const reason = error.code === "validation_error" && Object.keys(error.fields).length ? "" : ` ${error.message}`;
  return { fields: error.fields, marked, reason };
}

export function PetDetailPage() {
  const petId = Number(useParams().petId);
  const [pet, setPet] = useState<Pet | null>(null);
  const [prefs, setPrefs] = useState<Preferences | null>(null);
  const [loadError, setLoadError] = useState<"missing" | string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [petErrors, setPetErrors] = useState<Errors>({});
  const [preferenceErrors, setPreferenceErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const problemRef = useRef<HTMLDivElement>(null);
  const freeTitleRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    setPet(null);
    setPrefs(null);
    setLoadError(null);
    Promise.all([
      api.get<Pet>(`pets/${petId}/`, abort.signal),
      api.get<Preferences>(`pets/${petId}/preferences`, abort.signal),
    ])
      .then(([loadedPet, loadedPrefs]) => {
        setPet(loadedPet);
        setPrefs(loadedPrefs);
      })
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        if (error instanceof ApiError && error.status === 404) setLoadError("missing");
        else setLoadError(`This pet could not be loaded. ${error instanceof ApiError ? error.message : "Please try again."}`);
      });
    return () => abort.abort();
  }, [petId, attempt]);

  // A failed save: the summary says what was and was not saved, and takes the focus.
  useEffect(() => {
    if (problem) problemRef.current?.focus();
  }, [problem]);

  if (loadError === "missing") {
    return (
      <section aria-labelledby="pet-title">
        <h1 id="pet-title">Pet not found</h1>
        <p className="form-error" role="alert">This pet was not found. It may have been removed.</p>
        <p>
          <Link to="/pets">← Back to my pets</Link>
        </p>
      </section>
    );
  }
  if (loadError) {
    return (
      <section aria-labelledby="pet-title">
        <h1 id="pet-title">Pet</h1>
        <p className="form-error" role="alert">{loadError}</p>
        <p className="actions">
          <button className="button" type="button" onClick={() => setAttempt((count) => count + 1)}>
            Retry
          </button>
          <Link to="/pets">← My pets</Link>
        </p>
      </section>
    );
  }
  if (!pet || !prefs) return <p className="muted">Loading…</p>;

  async function save(current: Pet, wishes: Preferences) {
    let stored: Pet;
    try {
      stored = await api.patch<Pet>(`pets/${petId}/`, {
        name: current.name,
        bio: current.bio,
        breed: current.breed,
        age: current.age,
        size: current.size,
        energy: current.energy,
        vaccinated: current.vaccinated,
      });
    } catch (error) {
      const { fields, marked, reason } = failure(error, PET_INPUTS);
      setPetErrors(fields);
      setProblem({
        headline: `Nothing was saved${marked ? ": check the marked fields" : ""}.${reason}`,
        items: otherErrors(fields, PET_INPUTS, PET_FIELDS),
      });
      return;
    }
    setPet(stored);
    try {
      setPrefs(await api.put<Preferences>(`pets/${petId}/preferences`, wishes));
      setSaved(true);
    } catch (error) {
      const { fields, marked, reason } = failure(error, PREFERENCE_INPUTS);
      setPreferenceErrors(fields);
      setProblem({
        headline:
          `${stored.name}'s profile was saved, but who ${stored.name} would like to meet and when ` +
          `${stored.name} is free were not${marked ? ": check the marked fields" : ""}.${reason}`,
        items: otherErrors(fields, PREFERENCE_INPUTS, PREFERENCE_FIELDS, wishes.availability),
      });
    }
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!pet || !prefs) return;
    setSaved(false);
    setProblem(null);
    setPetErrors({});
    setPreferenceErrors({});
    setBusy(true);
    void save(pet, prefs).finally(() => setBusy(false));
  }

  const check = (name: "species" | "sizes" | "energy", values: string[], legend: string) => (
    <fieldset className="checks">
      <legend>{legend}</legend>
      {values.map((value) => (
        <label key={value}>
          <input type="checkbox" checked={prefs[name].includes(value)}
            onChange={() => setPrefs({ ...prefs, [name]: toggle(prefs[name], value) })} />
          {value}
        </label>
      ))}
    </fieldset>
  );

  const cells = cellsOf(prefs.availability);
  const otherTimes = prefs.availability.filter((window) => !fitsGrid(window));

  function removeTime(window: Window, event: MouseEvent<HTMLButtonElement>) {
    // The focus moves to the next time's button (or the one before), else to the section's title.
    const buttons = [...(event.currentTarget.closest("ul")?.querySelectorAll("button") ?? [])];
    const at = buttons.indexOf(event.currentTarget);
    const next = buttons[at + 1] ?? buttons[at - 1] ?? freeTitleRef.current;
    setPrefs((current) => current && { ...current, availability: current.availability.filter((other) => other !== window) });
    next?.focus();
  }

  return (
    <section aria-labelledby="pet-title">
      <p>
        <Link to="/pets">← My pets</Link>
      </p>
      <h1 id="pet-title">{pet.name}</h1>
      <form className="card form form--wide" onSubmit={onSubmit} noValidate>
        {problem && (
          <div className="form-error" role="alert" tabIndex={-1} ref={problemRef}>
            <p>{problem.headline}</p>
            {problem.items.length > 0 && (
              <ul>
                {problem.items.map((item) => (
                  <li key={item}>{item}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        <Field label="Name" value={pet.name} onChange={(e) => setPet({ ...pet, name: e.target.value })} errors={petErrors.name} />
        <Field label="Breed" value={pet.breed} onChange={(e) => setPet({ ...pet, breed: e.target.value })} errors={petErrors.breed} />
        <Field label="Age (years)" type="number" min={0} max={40} value={pet.age}
          onChange={(e) => setPet({ ...pet, age: Number(e.target.value) })} errors={petErrors.age} />
        <div className="row">
          <div className="field">
            <label htmlFor="pet-size">Size</label>
            <select id="pet-size" value={pet.size} onChange={(e) => setPet({ ...pet, size: e.target.value as Pet["size"] })}>
              {["small", "medium", "large"].map((size) => <option key={size} value={size}>{size}</option>)}
            </select>
          </div>
          <div className="field">
            <label htmlFor="pet-energy">Energy</label>
            <select id="pet-energy" value={pet.energy} onChange={(e) => setPet({ ...pet, energy: e.target.value as Pet["energy"] })}>
              {["low", "medium", "high"].map((energy) => <option key={energy} value={energy}>{energy}</option>)}
            </select>
          </div>
        </div>
        <label className="check">
          <input type="checkbox" checked={pet.vaccinated} onChange={(e) => setPet({ ...pet, vaccinated: e.target.checked })} />
          Vaccinated
        </label>
        <Field label="About" value={pet.bio} onChange={(e) => setPet({ ...pet, bio: e.target.value })} errors={petErrors.bio} />
        <h2>Who {pet.name} would like to meet</h2>
        <Field label="Within (km)" type="number" min={0.5} max={100} step={0.5} value={prefs.max_distance_km}
          onChange={(e) => setPrefs({ ...prefs, max_distance_km: Number(e.target.value) })} errors={preferenceErrors.max_distance_km} />
        {check("species", ["dog", "cat", "rabbit", "other"], "Species")}
        {check("sizes", ["small", "medium", "large"], "Sizes")}
        {check("energy", ["low", "medium", "high"], "Energy")}
        <div className="row">
          <Field label="Youngest (years)" type="number" min={0} max={40} value={prefs.min_age}
            onChange={(e) => setPrefs({ ...prefs, min_age: Number(e.target.value) })} errors={preferenceErrors.min_age} />
          <Field label="Oldest (years)" type="number" min={0} max={40} value={prefs.max_age}
            onChange={(e) => setPrefs({ ...prefs, max_age: Number(e.target.value) })} errors={preferenceErrors.max_age} />
        </div>
        <label className="check">
          <input type="checkbox" checked={prefs.require_vaccinated}
            onChange={(e) => setPrefs({ ...prefs, require_vaccinated: e.target.checked })} />
          Only vaccinated pets
        </label>
        <h2 ref={freeTitleRef} tabIndex={-1}>When {pet.name} is free</h2>
        <div className="table-wrap">
        <table className="week">
          <thead>
            <tr>
              <td />
              {DAYS.map((day) => (
                <th key={day} scope="col">{day}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {PERIODS.map((period, index) => (
              <tr key={period.name}>
                <th scope="row">{period.name}</th>
                {DAYS.map((day, weekday) => {
                  const on = cells.has(`${weekday}:${index}`);
                  return (
                    <td key={day}>
                      <button type="button" className={on ? "slot slot--on" : "slot"} aria-pressed={on}
                        aria-label={`${day} ${period.name.toLowerCase()}`}
                        onClick={() => setPrefs((current) =>
                          current && { ...current, availability: withPeriod(current.availability, weekday, index, !on) })} />
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
        </div>
        {otherTimes.length > 0 && (
          <div className="other-times">
            <h3 id="other-times-title">Other free times</h3>
            <p className="muted">
              The grid marks a period only when a free time covers all of it, and these go beyond its periods. They stay as they are unless you remove them.
            </p>
            <ul aria-labelledby="other-times-title">
              {otherTimes.map((window) => (
                <li key={`${window.weekday}-${window.start}-${window.end}`}>
                  <span>{windowLabel(window)}</span>
                  <button className="button button--quiet" type="button" aria-label={`Remove ${windowLabel(window)}`}
                    onClick={(event) => removeTime(window, event)}>
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
        <button className="button button--primary" type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save"}
        </button>
        {saved && <p role="status">Saved.</p>}
      </form>
    </section>
  );
}
