import { render, screen, waitFor, within } from "@testing-library/react";
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
    await waitFor(() =>
      expect(screen.getAllByRole("alert").map((alert) => alert.textContent)).toEqual([
        "Nothing was saved: check the marked fields.",
        "This field may not be blank.",
      ]),
    );
    expect(name.getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByRole("status")).toBeNull();
    expect(api.callsTo("PUT", "/api/v1/pets/3/preferences")).toEqual([]);
  });

  it("saves free times the grid cannot show as they were when the grid was not touched", async () => {
    const api = petApi();
    const availability = [
      { weekday: 0, start: "08:00", end: "17:00" },
      { weekday: 2, start: "09:00", end: "11:00" },
      { weekday: 3, start: "07:00", end: "12:30" },
    ];
    api.route({ "GET /api/v1/pets/3/preferences": ok({ ...PREFERENCES, availability }) });
    renderPet();
    const person = userEvent.setup({ delay: null });
    await screen.findByRole("heading", { level: 1, name: "Rex" });

    await person.type(screen.getByLabelText("Breed"), " mix");
    await person.click(screen.getByRole("button", { name: "Save" }));

    await screen.findByRole("status");
    expect(api.callsTo("PUT", "/api/v1/pets/3/preferences")[0]?.body).toEqual({ ...PREFERENCES, availability });
  });

  it("lists the times the grid cannot show, keeps them when the grid changes and removes one on request", async () => {
    const api = petApi();
    api.route({
      "GET /api/v1/pets/3/preferences": ok({
        ...PREFERENCES,
        availability: [
          { weekday: 0, start: "08:00", end: "17:00" },
          { weekday: 2, start: "09:00", end: "11:00" },
          { weekday: 3, start: "07:00", end: "12:30" },
        ],
      }),
    });
    renderPet();
    const person = userEvent.setup({ delay: null });
    await screen.findByRole("heading", { level: 1, name: "Rex" });
    const others = () => within(screen.getByRole("list", { name: "Other free times" })).getAllByRole("listitem");

    expect(others().map((item) => item.querySelector("span")?.textContent)).toEqual(["Wed 09:00–11:00", "Thu 07:00–12:30"]);
    expect([pressed("Wed morning"), pressed("Thu morning")]).toEqual(["false", "true"]);

    await person.click(slot("Mon evening"));
    await person.click(screen.getByRole("button", { name: "Remove Wed 09:00–11:00" }));

    expect(others().map((item) => item.querySelector("span")?.textContent)).toEqual(["Thu 07:00–12:30"]);
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Remove Thu 07:00–12:30" }));
    await person.click(screen.getByRole("button", { name: "Save" }));

    await screen.findByRole("status");
    expect((api.callsTo("PUT", "/api/v1/pets/3/preferences")[0]?.body as { availability: unknown }).availability).toEqual([
      { weekday: 0, start: "08:00", end: "21:00" },
      { weekday: 3, start: "07:00", end: "12:30" },
    ]);
  });

  it("lists the errors of fields without an input, and says the profile was saved but the wishes were not", async () => {
    const api = petApi();
    api.route({
      "GET /api/v1/pets/3/preferences": ok({
        ...PREFERENCES,
        availability: [{ weekday: 3, start: "07:00", end: "12:30" }, { weekday: 3, start: "12:00", end: "13:00" }],
      }),
      "PUT /api/v1/pets/3/preferences": apiError(400, "validation_error", "Some fields are invalid: availability.1, species.", {
        species: ["This list may not be empty."],
        "availability.1": ["Overlaps another window on the same weekday."],
      }),
    });
    renderPet();
    const person = userEvent.setup({ delay: null });
    await screen.findByRole("heading", { level: 1, name: "Rex" });

    await person.clear(screen.getByLabelText("Name"));
    await person.type(screen.getByLabelText("Name"), "Rexy");
    await person.click(within(screen.getByRole("group", { name: "Species" })).getByRole("checkbox", { name: "dog" }));
    await person.click(screen.getByRole("button", { name: "Save" }));

    const summary = await screen.findByRole("alert");
    expect(summary.querySelector("p")?.textContent).toBe(
      "Rexy's profile was saved, but who Rexy would like to meet and when Rexy is free were not.",
    );
    expect([...summary.querySelectorAll("li")].map((item) => item.textContent)).toEqual([
      "Species: This list may not be empty.",
      "Free time Thu 12:00–13:00: Overlaps another window on the same weekday.",
    ]);
    // The summary takes the focus in an effect, after the render that shows it.
    await waitFor(() => expect(document.activeElement).toBe(summary));
    expect(screen.queryByRole("status")).toBeNull();
    expect(screen.getByRole("heading", { level: 1, name: "Rexy" })).toBeTruthy();
    expect(api.callsTo("PATCH", "/api/v1/pets/3/")).toHaveLength(1);
  });

  it("says nothing was saved when the profile is refused for a field without an input", async () => {
    const api = petApi();
    api.route({
      "PATCH /api/v1/pets/3/": apiError(400, "validation_error", "Some fields are invalid: size.", {
        size: ['"huge" is not a valid choice.'],
      }),
    });
    renderPet();
    const person = userEvent.setup({ delay: null });
    await screen.findByRole("heading", { level: 1, name: "Rex" });

    await person.click(screen.getByRole("button", { name: "Save" }));

    const summary = await screen.findByRole("alert");
    expect(summary.querySelector("p")?.textContent).toBe("Nothing was saved.");
    expect(summary.querySelector("li")?.textContent).toBe('Size: "huge" is not a valid choice.');
    expect(api.callsTo("PUT", "/api/v1/pets/3/preferences")).toEqual([]);
  });

  it("says when the pet does not exist, with a way back", async () => {
    const api = petApi();
    api.route({ "GET /api/v1/pets/3/": apiError(404, "not_found", "Not found.") });
    renderPet();

    expect((await screen.findByRole("alert")).textContent).toContain("This pet was not found");
    expect(screen.getByRole("link", { name: "← Back to my pets" }).getAttribute("href")).toBe("/pets");
    expect(screen.queryByText("Loading…")).toBeNull();
  });

  it("says why the pet could not be loaded, and tries again on request", async () => {
    const api = petApi();
    api.route({ "GET /api/v1/pets/3/preferences": apiError(503, "unavailable", "The service is temporarily unavailable.") });
    renderPet();
    const person = userEvent.setup({ delay: null });

    expect((await screen.findByRole("alert")).textContent).toBe(
      "This pet could not be loaded. The service is temporarily unavailable.",
    );
    api.route({ "GET /api/v1/pets/3/preferences": ok(PREFERENCES) });
    await person.click(screen.getByRole("button", { name: "Retry" }));

    expect(await screen.findByRole("heading", { level: 1, name: "Rex" })).toBeTruthy();
    expect(api.callsTo("GET", "/api/v1/pets/3/preferences")).toHaveLength(2);
  });
});
