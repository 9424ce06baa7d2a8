import { useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { ApiError, api } from "../../api/http";
import type { Page } from "../../api/types";
import { Field } from "../../components/Field";
import type { PublicPet as Pet } from "../../realtime/types";
import { useSubmit } from "../auth/useForm";

const EMPTY = { name: "", species: "dog", breed: "", age: "2", size: "medium", energy: "medium" };
// Most playmates ask for vaccinated pets (it is every new pet's default wish).
const VACCINATED_BY_DEFAULT = true;

export function PetsPage() {
  const [pets, setPets] = useState<Pet[] | null>(null);
  const [form, setForm] = useState(EMPTY);
  const [vaccinated, setVaccinated] = useState(VACCINATED_BY_DEFAULT);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [removeError, setRemoveError] = useState<string | null>(null);
  const { busy, fieldErrors, formError, submit } = useSubmit();

  useEffect(() => {
    const abort = new AbortController();
    api
      .get<Page<Pet>>("pets/", abort.signal)
      .then((page) => setPets(page.results))
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        setLoadError(`Your pets could not be loaded. ${error instanceof ApiError ? error.message : "Please try again."}`);
      });
    return () => abort.abort();
  }, []);

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void submit(async () => {
      const pet = await api.post<Pet>("pets/", { ...form, age: Number(form.age), vaccinated });
      setPets((current) => [pet, ...(current ?? [])]);
      setForm(EMPTY);
      setVaccinated(VACCINATED_BY_DEFAULT);
    });
  }

  async function remove(pet: Pet) {
    if (!window.confirm(`Remove ${pet.name}? Their suggestions and invitations go too.`)) return;
    setRemoveError(null);
    try {
      await api.delete(`pets/${pet.id}/`);
    } catch (error) {
      setRemoveError(`${pet.name} was not removed. ${error instanceof ApiError ? error.message : "Please try again."}`);
      return;
    }
    setPets((current) => (current ?? []).filter((other) => other.id !== pet.id));
  }

  const select = (name: keyof typeof EMPTY, label: string, options: string[]) => (
    <div className="field">
      <label htmlFor={`pet-${name}`}>{label}</label>
      <select id={`pet-${name}`} value={form[name]} onChange={(e) => setForm({ ...form, [name]: e.target.value })}>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <section aria-labelledby="pets-title">
      <h1 id="pets-title">My pets</h1>
      {removeError && (
        <p className="form-error" role="alert">
          {removeError}
        </p>
      )}
      {loadError ? (
        <p className="form-error" role="alert">
          {loadError}
        </p>
      ) : pets === null ? (
        <p className="muted">Loading…</p>
      ) : pets.length === 0 ? (
        <p className="muted">No pets yet. Add your first one below.</p>
      ) : (
        <ul className="cards">
          {pets.map((pet) => (
            <li key={pet.id} className="card pet">
              <h2>
                <Link to={`/pets/${pet.id}`}>{pet.name}</Link>
              </h2>
              <p className="muted">
                {pet.breed || pet.species}, {pet.age} {pet.age === 1 ? "year" : "years"}, {pet.size}, {pet.energy} energy
              </p>
              <button className="button button--quiet" type="button" onClick={() => void remove(pet)}>
                Remove {pet.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="card form" onSubmit={onSubmit} noValidate aria-labelledby="add-pet-title">
        <h2 id="add-pet-title">Add a pet</h2>
        {formError && (
          <p className="form-error" role="alert">
            {formError}
          </p>
        )}
        <Field label="Name" value={form.name} required onChange={(e) => setForm({ ...form, name: e.target.value })}
          errors={fieldErrors.name} />
        {select("species", "Species", ["dog", "cat", "rabbit", "other"])}
        <Field label="Breed" value={form.breed} onChange={(e) => setForm({ ...form, breed: e.target.value })}
          errors={fieldErrors.breed} />
        <Field label="Age (years)" type="number" min={0} max={40} value={form.age}
          onChange={(e) => setForm({ ...form, age: e.target.value })} errors={fieldErrors.age} />
        {select("size", "Size", ["small", "medium", "large"])}
        {select("energy", "Energy", ["low", "medium", "high"])}
        <label className="check">
          <input type="checkbox" checked={vaccinated} onChange={(e) => setVaccinated(e.target.checked)} />
          Vaccinated
        </label>
        <button className="button button--primary" type="submit" disabled={busy}>
          {busy ? "Adding…" : "Add pet"}
        </button>
      </form>
    </section>
  );
}
