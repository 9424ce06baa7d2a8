import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { ApiError, api } from "../../api/http";
import type { Page } from "../../api/types";
import { useRealtime } from "../../realtime/RealtimeProvider";
import type { PublicPet as Pet, Suggestion } from "../../realtime/types";

const slotFormat = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });

/** The reasons that helped most, in plain words. */
function bestReasons(suggestion: Suggestion): string[] {
  return Object.values(suggestion.reasons)
    .filter((reason) => reason.points > 0 && reason.detail)
    .sort((a, b) => b.points - a.points)
    .slice(0, 3)
    .map((reason) => reason.detail);
}

export function SuggestionsPage() {
  const [pets, setPets] = useState<Pet[] | null>(null);
  const [petId, setPetId] = useState<number | null>(null);
  const [suggestions, setSuggestions] = useState<Suggestion[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [petsError, setPetsError] = useState<string | null>(null);
  const [gone, setGone] = useState<Set<number>>(new Set());
  const { state, dispatch, resyncs } = useRealtime();

  useEffect(() => {
    const abort = new AbortController();
    api
      .get<Page<Pet>>("pets/", abort.signal)
      .then((page) => {
        setPets(page.results);
        setPetId(page.results[0]?.id ?? null);
      })
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        setPetsError(`Your pets could not be loaded. ${error instanceof ApiError ? error.message : "Please try again."}`);
      });
    return () => abort.abort();
  }, []);

  useEffect(() => {
    if (petId === null) return;
    setSuggestions(null);
    api
      .get<Page<Suggestion>>(`pets/${petId}/matches?limit=20`)
      .then((page) => setSuggestions(page.results))
      .catch((error: unknown) => {
        setSuggestions([]);
        setNotice(error instanceof ApiError ? error.message : "Suggestions could not be loaded.");
      });
  }, [petId, resyncs]);

  // Suggestions that arrived live for this pet, newest first, ahead of those loaded.
  const loadedIds = new Set((suggestions ?? []).map((item) => item.pet.id));
  const live = state.suggestions.items
    .filter((item) => item.for_pet_id === petId && !loadedIds.has(item.suggestion.pet.id))
    .map((item) => item.suggestion);
  const shown = suggestions === null ? null : [...live, ...suggestions].filter((item) => !gone.has(item.pet.id));
  const fresh = state.suggestions.newCount;
  useEffect(() => {
    if (fresh > 0) {
      const timer = window.setTimeout(() => dispatch({ type: "suggestions.seen" }), 4_000);
      return () => window.clearTimeout(timer);
    }
  }, [fresh, dispatch]);

  async function invite(suggestion: Suggestion, slot: string) {
    if (petId === null) return;
    try {
      await api.post("playdates/", { from_pet: petId, to_pet: suggestion.pet.id, date_time: slot });
      setNotice(`Invitation sent to ${suggestion.owner.username} for ${suggestion.pet.name}.`);
      setGone((current) => new Set(current).add(suggestion.pet.id));
    } catch (error) {
      setNotice(error instanceof ApiError ? error.message : "The invitation could not be sent.");
    }
  }

  async function pass(suggestion: Suggestion) {
    if (petId === null) return;
    try {
      await api.post(`pets/${petId}/matches/${suggestion.pet.id}/pass`);
    } catch (error) {
      setNotice(error instanceof ApiError ? error.message : `${suggestion.pet.name} could not be passed.`);
      return;
    }
    setGone((current) => new Set(current).add(suggestion.pet.id));
  }

  if (pets !== null && pets.length === 0) {
    return (
      <section>
        <h1>Suggestions</h1>
        <p className="muted">
          Add a pet first: <Link to="/pets">My pets</Link>.
        </p>
      </section>
    );
  }

  return (
    <section aria-labelledby="suggestions-title">
      <h1 id="suggestions-title">Suggestions</h1>
      {pets && pets.length > 1 && (
        <div className="field field--inline">
          <label htmlFor="suggestions-pet">For</label>
          <select id="suggestions-pet" value={petId ?? ""} onChange={(e) => setPetId(Number(e.target.value))}>
            {pets.map((pet) => (
              <option key={pet.id} value={pet.id}>
                {pet.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {notice && <p role="status" className="notice">{notice}</p>}
      {fresh > 0 && (
        <p role="status" className="notice notice--live">
          {fresh === 1 ? "A new playmate just joined nearby." : `${fresh} new playmates just joined nearby.`}
        </p>
      )}
      {petsError ? (
        <p className="form-error" role="alert">{petsError}</p>
      ) : shown === null ? (
        <p className="muted">Looking for playmates nearby…</p>
      ) : shown.length === 0 ? (
        <p className="muted">No one nearby yet. New pets appear here as they join.</p>
      ) : (
        <ul className="cards">
          {shown.map((suggestion) => (
            <li key={suggestion.pet.id} className="card suggestion">
              <h2>{suggestion.pet.name}</h2>
              <p className="muted">
                {suggestion.pet.breed || suggestion.pet.species}, {suggestion.pet.age} y · {suggestion.distance_km} km away ·
                with {suggestion.owner.username}
              </p>
              <p className="score" aria-label={`Match ${Math.round(suggestion.score * 100)} percent`}>
                {Math.round(suggestion.score * 100)}% match
              </p>
              <ul className="reasons">
                {bestReasons(suggestion).map((reason) => (
                  <li key={reason}>{reason}</li>
                ))}
              </ul>
              <div className="actions">
                {suggestion.suggested_slots[0] && (
                  <button className="button button--primary" type="button"
                    onClick={() => void invite(suggestion, suggestion.suggested_slots[0] as string)}>
                    Invite · {slotFormat.format(new Date(suggestion.suggested_slots[0]))}
                  </button>
                )}
                <button className="button button--quiet" type="button" onClick={() => void pass(suggestion)}>
                  Pass
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
