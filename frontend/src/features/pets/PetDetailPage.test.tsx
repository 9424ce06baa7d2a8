import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { describe, expect, it } from "vitest";
import type { PublicPet } from "../../realtime/types";
import { apiError, fakeApi, ok, type ApiCall } from "../../test/fakeApi";
import { PetDetailPage } from "./PetDetailPage";

const REX: PublicPet = {
  id: 3,
  owner_id: 7,
  name: "Rex",
  species: "dog",
  breed: "Beagle",
  age: 4,
  size: "medium",
  energy: "high",
  temperament: ["playful", "social"],
  vaccinated: true,
  bio: "Loves the park.",
  created_at: "2025-05-02T10:00:00Z",
};

const PREFERENCES = {
  max_distance_km: 5,
  species: ["dog"],
  sizes: ["small", "medium"],
  energy: ["medium", "high"],
  min_age: 1,
  max_age: 12,
  require_vaccinated: true,
  availability: [
    { weekday: 0, start: "08:00", end: "17:00" },
    { weekday: 5, start: "17:00", end: "21:00" },
  ],
};

/** The pet endpoints as the server answers them: PATCH and PUT echo what they stored. */
function petApi() {
  return fakeApi({
    "GET /api/v1/pets/3/": ok(REX),
    "GET /api/v1/pets/3/preferences": ok(PREFERENCES),
    "PATCH /api/v1/pets/3/": (call: ApiCall) => ok({ ...REX, ...(call.body as object) }),
    "PUT /api/v1/pets/3/preferences": (call: ApiCall) => ok(call.body),
  });
}

function renderPet() {
  return render(
    <MemoryRouter initialEntries={["/pets/3"]}>
      <Routes>
        <Route path="/pets/:petId" element={<PetDetailPage />} />
      </Routes>
    </MemoryRouter>,
  );
}

// By aria-label: role queries over the whole form are slow in jsdom.
const slot = (name: string) => screen.getByLabelText(name, { selector: "button" });
const pressed = (name: string) => slot(name).getAttribute("aria-pressed");

describe("PetDetailPage", () => {
  it("shows the pet's free periods in the week grid", async () => {
    petApi();
    renderPet();

    expect(await screen.findByRole("heading", { level: 1, name: "Rex" })).toBeTruthy();
    const on = screen
      .getAllByRole("button", { pressed: true })
      .map((button) => button.getAttribute("aria-label"));
    expect(on).toEqual(["Mon morning", "Mon afternoon", "Sat evening"]);
    expect(screen.getAllByRole("button", { pressed: false })).toHaveLength(21 - 3);
  });

  it("toggles slots from the keyboard and saves the grid as merged windows", async () => {
    const api = petApi();
    renderPet();
    const person = userEvent.setup({ delay: null });
    await screen.findByRole("heading", { level: 1, name: "Rex" });

    // Tab from Sunday's afternoon to Monday's evening, the next row's first cell.
    slot("Sun afternoon").focus();
    await person.tab();
    expect(document.activeElement).toBe(slot("Mon evening"));
    await person.keyboard("{Enter}");
    slot("Sat evening").focus();
    await person.keyboard(" ");
    slot("Sun morning").focus();
    await person.keyboard("{Enter}");
    expect([pressed("Mon evening"), pressed("Sat evening"), pressed("Sun morning")]).toEqual(["true", "false", "true"]);

    await person.click(screen.getByRole("button", { name: "Save" }));

    expect((await screen.findByRole("status")).textContent).toBe("Saved.");
    const writes = api.calls.filter((call) => call.method !== "GET");
    expect(writes.map((call) => `${call.method} ${call.path}`)).toEqual([
      "PATCH /api/v1/pets/3/",
      "PUT /api/v1/pets/3/preferences",
    ]);
    expect(writes[0]?.body).toEqual({
      name: "Rex",
      bio: "Loves the park.",
      breed: "Beagle",
      age: 4,
      size: "medium",
      energy: "high",
      vaccinated: true,
    });
    expect(writes[1]?.body).toEqual({
      ...PREFERENCES,
      availability: [
        { weekday: 0, start: "08:00", end: "21:00" },
        { weekday: 6, start: "08:00", end: "12:00" },
      ],
    });
  });

  it("saves the profile and wishes as edited", async () => {
    const api = petApi();
    renderPet();
    const person = userEvent.setup({ delay: null });
    await screen.findByRole("heading", { level: 1, name: "Rex" });

    await person.clear(screen.getByLabelText("Name"));
    await person.type(screen.getByLabelText("Name"), "Rexy");
    await person.selectOptions(screen.getByLabelText("Energy"), "medium");
    await person.click(within(screen.getByRole("group", { name: "Species" })).getByRole("checkbox", { name: "cat" }));
    await person.click(screen.getByRole("checkbox", { name: "Only vaccinated pets" }));
    await person.click(screen.getByRole("button", { name: "Save" }));

    await screen.findByRole("status");
    expect(api.callsTo("PATCH", "/api/v1/pets/3/")[0]?.body).toMatchObject({ name: "Rexy", energy: "medium" });
    expect(api.callsTo("PUT", "/api/v1/pets/3/preferences")[0]?.body).toEqual({
      ...PREFERENCES,
      species: ["dog", "cat"],
      require_vaccinated: false,
    });
    expect(screen.getByRole("heading", { level: 1, name: "Rexy" })).toBeTruthy();
  });

  it("shows a field's error next to it and says nothing was saved", async () => {
    const api = petApi();
    api.route({
      "PATCH /api/v1/pets/3/": apiError(400, "validation_error", "Some fields are invalid: name.", {
        name: ["This field may not be blank."],
      }),
    });
    renderPet();
    const person = userEvent.setup({ delay: null });
    await screen.findByRole("heading", { level: 1, name: "Rex" });

    await person.clear(screen.getByLabelText("Name"));
    await person.click(screen.getByRole("button", { name: "Save" }));

    const name = screen.getByLabelText("Name");
    expect((await screen.findByRole("alert")).textContent).toBe("This field may not be blank.");
    expect(name.getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByRole("status")).toBeNull();
    expect(api.callsTo("PUT", "/api/v1/pets/3/preferences")).toEqual([]);
  });
});
