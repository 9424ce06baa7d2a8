import { useEffect, useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { api } from "../../api/http";
import { Field } from "../../components/Field";
import { useSubmit } from "../auth/useForm";
import type { PublicPet as Pet } from "../../realtime/types";

interface Window {
  weekday: number;
  start: string;
  end: string;
}

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

const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
export const PERIODS = [
  { name: "Morning", start: "08:00", end: "12:00" },
  { name: "Afternoon", start: "12:00", end: "17:00" },
  { name: "Evening", start: "17:00", end: "21:00" },
];

/** Which grid cells (weekday × period) the windows cover in full. */
export function cellsOf(windows: Window[]): Set<string> {
  const cells = new Set<string>();
  for (const window of windows) {
    PERIODS.forEach((period, index) => {
      if (window.start <= period.start && window.end >= period.end) cells.add(`${window.weekday}:${index}`);
    });
  }
  return cells;
}

/** The grid's cells as windows, touching periods of one day merged into one window. */
export function windowsOf(cells: Set<string>): Window[] {
  const windows: Window[] = [];
  for (let weekday = 0; weekday < 7; weekday += 1) {
    let open: Window | null = null;
    PERIODS.forEach((period, index) => {
      if (cells.has(`${weekday}:${index}`)) {
        if (open && open.end === period.start) open.end = period.end;
        else {
          open = { weekday, start: period.start, end: period.end };
          windows.push(open);
        }
      } else open = null;
    });
  }
  return windows;
}

function toggle(list: string[], value: string): string[] {
  return list.includes(value) ? list.filter((item) => item !== value) : [...list, value];
}

export function PetDetailPage() {
  const petId = Number(useParams().petId);
  const [pet, setPet] = useState<Pet | null>(null);
  const [prefs, setPrefs] = useState<Preferences | null>(null);
  const [cells, setCells] = useState<Set<string>>(new Set());
  const [saved, setSaved] = useState(false);
  const { busy, fieldErrors, formError, submit } = useSubmit();

  useEffect(() => {
    api.get<Pet>(`pets/${petId}/`).then(setPet);
    api.get<Preferences>(`pets/${petId}/preferences`).then((loaded) => {
      setPrefs(loaded);
      setCells(cellsOf(loaded.availability));
    });
  }, [petId]);

  if (!pet || !prefs) return <p className="muted">Loading…</p>;

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    void submit(async () => {
      if (!pet || !prefs) return;
      const updated = await api.patch<Pet>(`pets/${petId}/`, {
        name: pet.name,
        bio: pet.bio,
        breed: pet.breed,
        age: pet.age,
        size: pet.size,
        energy: pet.energy,
        vaccinated: pet.vaccinated,
      });
      setPet(updated);
      setPrefs(await api.put<Preferences>(`pets/${petId}/preferences`, { ...prefs, availability: windowsOf(cells) }));
      setSaved(true);
    });
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

  return (
    <section aria-labelledby="pet-title">
      <p>
        <Link to="/pets">← My pets</Link>
      </p>
      <h1 id="pet-title">{pet.name}</h1>
      <form className="card form form--wide" onSubmit={onSubmit} noValidate>
        {formError && <p className="form-error" role="alert">{formError}</p>}
        <Field label="Name" value={pet.name} onChange={(e) => setPet({ ...pet, name: e.target.value })} errors={fieldErrors.name} />
        <Field label="Breed" value={pet.breed} onChange={(e) => setPet({ ...pet, breed: e.target.value })} errors={fieldErrors.breed} />
        <Field label="Age (years)" type="number" min={0} max={40} value={pet.age}
          onChange={(e) => setPet({ ...pet, age: Number(e.target.value) })} errors={fieldErrors.age} />
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
        <Field label="About" value={pet.bio} onChange={(e) => setPet({ ...pet, bio: e.target.value })} errors={fieldErrors.bio} />
        <h2>Who {pet.name} would like to meet</h2>
        <Field label="Within (km)" type="number" min={0.5} max={100} step={0.5} value={prefs.max_distance_km}
          onChange={(e) => setPrefs({ ...prefs, max_distance_km: Number(e.target.value) })} errors={fieldErrors.max_distance_km} />
        {check("species", ["dog", "cat", "rabbit", "other"], "Species")}
        {check("sizes", ["small", "medium", "large"], "Sizes")}
        {check("energy", ["low", "medium", "high"], "Energy")}
        <div className="row">
          <Field label="Youngest (years)" type="number" min={0} max={40} value={prefs.min_age}
            onChange={(e) => setPrefs({ ...prefs, min_age: Number(e.target.value) })} errors={fieldErrors.min_age} />
          <Field label="Oldest (years)" type="number" min={0} max={40} value={prefs.max_age}
            onChange={(e) => setPrefs({ ...prefs, max_age: Number(e.target.value) })} errors={fieldErrors.max_age} />
        </div>
        <label className="check">
          <input type="checkbox" checked={prefs.require_vaccinated}
            onChange={(e) => setPrefs({ ...prefs, require_vaccinated: e.target.checked })} />
          Only vaccinated pets
        </label>
        <h2>When {pet.name} is free</h2>
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
                  const cell = `${weekday}:${index}`;
                  const on = cells.has(cell);
                  return (
                    <td key={day}>
                      <button type="button" className={on ? "slot slot--on" : "slot"} aria-pressed={on}
                        aria-label={`${day} ${period.name.toLowerCase()}`}
                        onClick={() => setCells((current) => {
                          const next = new Set(current);
                          if (on) next.delete(cell);
                          else next.add(cell);
                          return next;
                        })} />
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
        </div>
        {fieldErrors.availability && <p className="form-error">{fieldErrors.availability.join(" ")}</p>}
        <button className="button button--primary" type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save"}
        </button>
        {saved && <p role="status">Saved.</p>}
      </form>
    </section>
  );
}
