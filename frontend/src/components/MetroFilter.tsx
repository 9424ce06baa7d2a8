// The metro-area filter of the moderators' screens: a choice among the areas Pawdate knows
// (GET /api/v1/metros), by name, so only a slug the server accepts is ever sent; "" is all of them.
import { useEffect, useState } from "react";
import { api } from "../api/http";

interface MetroArea {
  slug: string;
  name: string;
}

export function MetroFilter({ value, onChange }: { value: string; onChange: (slug: string) => void }) {
  const [areas, setAreas] = useState<MetroArea[]>([]);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const abort = new AbortController();
    api
      .get<MetroArea[]>("metros", abort.signal)
      .then((found) => setAreas([...found].sort((a, b) => a.name.localeCompare(b.name))))
      .catch(() => {
        if (!abort.signal.aborted) setFailed(true);
      });
    return () => abort.abort();
  }, []);

  return (
    <>
      <label>
        Metro area{" "}
        <select value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">All</option>
          {areas.map((area) => (
            <option key={area.slug} value={area.slug}>
              {area.name}
            </option>
          ))}
        </select>
      </label>
      {failed && <span className="muted">The metro areas could not be loaded: showing all.</span>}
    </>
  );
}
