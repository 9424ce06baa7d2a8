import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it, vi } from "vitest";
import type { PublicPet } from "../../realtime/types";
import { apiError, deferred, fakeApi, ok, type Answer, type ApiCall } from "../../test/fakeApi";
import { PetsPage } from "./PetsPage";

function pet(id: number, over: Partial<PublicPet> = {}): PublicPet {
  return {
    id,
    owner_id: 7,
    name: "Rex",
    species: "dog",
    breed: "Beagle",
    age: 4,
    size: "medium",
    energy: "high",
    temperament: [],
    vaccinated: true,
    bio: "",
    created_at: "2025-05-02T10:00:00Z",
    ...over,
  };
}

function renderPets() {
  return render(
    <MemoryRouter>
      <PetsPage />
    </MemoryRouter>,
  );
}

const names = () => screen.queryAllByRole("heading", { level: 2 }).map((heading) => heading.textContent);

describe("PetsPage", () => {
  it("lists the owner's pets, each linking to its page", async () => {
    fakeApi({
      "GET /api/v1/pets/": ok({ results: [pet(3), pet(4, { name: "Mia", species: "cat", breed: "", age: 1, size: "small", energy: "low" })], next: null }),
    });
    renderPets();

    expect((await screen.findByRole("link", { name: "Mia" })).getAttribute("href")).toBe("/pets/4");
    expect(screen.getByRole("link", { name: "Rex" }).getAttribute("href")).toBe("/pets/3");
    expect(screen.getByText("cat, 1 year, small, low energy")).toBeTruthy();
    expect(screen.getByText("Beagle, 4 years, medium, high energy")).toBeTruthy();
  });

  it("adds a pet with what the form says, busy while it is sent", async () => {
    const answer = deferred<Answer>();
    const api = fakeApi({
      "GET /api/v1/pets/": ok({ results: [], next: null }),
      "POST /api/v1/pets/": () => answer.promise,
    });
    renderPets();
    const person = userEvent.setup({ delay: null });
    expect(await screen.findByText("No pets yet. Add your first one below.")).toBeTruthy();

    await person.type(screen.getByLabelText("Name"), "Bun");
    await person.selectOptions(screen.getByLabelText("Species"), "rabbit");
    await person.clear(screen.getByLabelText("Age (years)"));
    await person.type(screen.getByLabelText("Age (years)"), "3");
    await person.selectOptions(screen.getByLabelText("Size"), "small");
    await person.click(screen.getByRole("checkbox", { name: "Vaccinated" }));
    await person.click(screen.getByRole("button", { name: "Add pet" }));

    expect(screen.getByRole("button", { name: "Adding…" })).toHaveProperty("disabled", true);
    const body = { name: "Bun", species: "rabbit", breed: "", age: 3, size: "small", energy: "medium", vaccinated: false };
    expect(api.callsTo("POST", "/api/v1/pets/").map((call: ApiCall) => call.body)).toEqual([body]);

    answer.resolve(ok(pet(9, { ...body, species: "rabbit", size: "small", energy: "medium" }), 201));

    expect(await screen.findByRole("link", { name: "Bun" })).toBeTruthy();
    // The whole form starts over, the Vaccinated box back at its default too.
    expect(screen.getByLabelText("Name")).toHaveProperty("value", "");
    expect(screen.getByLabelText("Species")).toHaveProperty("value", "dog");
    expect(screen.getByLabelText("Age (years)")).toHaveProperty("value", "2");
    expect(screen.getByLabelText("Size")).toHaveProperty("value", "medium");
    expect(screen.getByRole("checkbox", { name: "Vaccinated" })).toHaveProperty("checked", true);
  });

  it("shows the server's field errors next to the fields", async () => {
    fakeApi({
      "GET /api/v1/pets/": ok({ results: [], next: null }),
      "POST /api/v1/pets/": apiError(400, "validation_error", "Some fields are invalid: age, name.", {
        name: ["This field may not be blank."],
        age: ["Ensure this value is less than or equal to 40."],
      }),
    });
    renderPets();
    const person = userEvent.setup({ delay: null });
    await screen.findByText("No pets yet. Add your first one below.");

    await person.clear(screen.getByLabelText("Age (years)"));
    await person.type(screen.getByLabelText("Age (years)"), "41");
    await person.click(screen.getByRole("button", { name: "Add pet" }));

    await screen.findByText("This field may not be blank.");
    const describedBy = (label: string) =>
      document.getElementById(screen.getByLabelText(label).getAttribute("aria-describedby") ?? "")?.textContent;
    expect(describedBy("Name")).toBe("This field may not be blank.");
    expect(describedBy("Age (years)")).toBe("Ensure this value is less than or equal to 40.");
    expect(names()).toEqual(["Add a pet"]);
  });

  it("removes a pet once the owner confirms", async () => {
    const api = fakeApi({
      "GET /api/v1/pets/": ok({ results: [pet(3), pet(4, { name: "Mia" })], next: null }),
      "DELETE /api/v1/pets/3/": { status: 204 },
    });
    const confirm = vi.fn(() => false);
    vi.stubGlobal("confirm", confirm);
    renderPets();
    const person = userEvent.setup({ delay: null });
    await screen.findByRole("link", { name: "Rex" });

    await person.click(screen.getByRole("button", { name: "Remove Rex" }));
    expect(confirm).toHaveBeenCalledWith("Remove Rex? Their suggestions and invitations go too.");
    expect(api.callsTo("DELETE", "/api/v1/pets/3/")).toEqual([]);

    confirm.mockReturnValue(true);
    await person.click(screen.getByRole("button", { name: "Remove Rex" }));

    await waitFor(() => expect(names()).toEqual(["Mia", "Add a pet"]));
    expect(api.callsTo("DELETE", "/api/v1/pets/3/")).toHaveLength(1);
  });

  it("says when the pets could not be loaded", async () => {
    fakeApi({ "GET /api/v1/pets/": apiError(500, "server_error", "Something went wrong on our side.") });
    renderPets();

    expect((await screen.findByRole("alert")).textContent).toBe(
      "Your pets could not be loaded. Something went wrong on our side.",
    );
    expect(screen.queryByText("Loading…")).toBeNull();
    expect(screen.queryByText("No pets yet. Add your first one below.")).toBeNull();
  });

  it("says when a pet could not be removed, and keeps it", async () => {
    fakeApi({
      "GET /api/v1/pets/": ok({ results: [pet(3), pet(4, { name: "Mia" })], next: null }),
      "DELETE /api/v1/pets/3/": apiError(503, "unavailable", "The service is temporarily unavailable. Please try again shortly."),
    });
    vi.stubGlobal("confirm", vi.fn(() => true));
    renderPets();
    const person = userEvent.setup({ delay: null });
    await screen.findByRole("link", { name: "Rex" });

    await person.click(screen.getByRole("button", { name: "Remove Rex" }));

    expect((await screen.findByRole("alert")).textContent).toBe(
      "Rex was not removed. The service is temporarily unavailable. Please try again shortly.",
    );
    expect(names()).toEqual(["Rex", "Mia", "Add a pet"]);
  });
});
