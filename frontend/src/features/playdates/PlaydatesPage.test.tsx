// The playdates screen against a fake API: each playdate names its own pets (`pet_1`, `pet_2`),
// so the screen never asks for a pet.
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it } from "vitest";
import { setAccess } from "../../api/http";
import { fakeApi, ok, playdate, sessionRoutes, signedInCookie, user, type Routes } from "../../test/fakeApi";
import { AuthProvider } from "../auth/AuthContext";
import { PlaydatesPage, playdateTitle, type Playdate } from "./PlaydatesPage";

const ME = user({ id: 7 });

function invitation(over: Partial<Playdate> = {}): Playdate {
  return { ...playdate({ message: "" }), unread_count: 0, ...over };
}

function page(live?: Playdate[]) {
  return (
    <AuthProvider>
      <MemoryRouter>
        <PlaydatesPage live={live} />
      </MemoryRouter>
    </AuthProvider>
  );
}

function openPage(routes: Routes) {
  const api = fakeApi({ ...sessionRoutes(ME), ...routes });
  signedInCookie(true);
  return { api, ...render(page()) };
}

const titles = () => screen.getAllByRole("heading", { level: 2 }).map((heading) => heading.textContent);

describe("PlaydatesPage", () => {
  afterEach(() => {
    setAccess(null);
    signedInCookie(false);
  });

  it("names both pets from the list itself, without asking for any pet", async () => {
    const { api } = openPage({
      "GET /api/v1/playdates/": ok({
        results: [invitation(), invitation({ id: 30, pet_id_1: 14, pet_1: { id: 14, name: "Bun", species: "rabbit" } })],
        next: null,
      }),
    });

    expect(await screen.findByRole("heading", { name: "Luna and Rex" })).toBeTruthy();
    expect(titles()).toEqual(["Luna and Rex", "Bun and Rex"]);
    expect(api.calls.filter((call) => call.path.startsWith("/api/v1/pets/"))).toEqual([]);
  });

  it("shows a pet's name as text, never as markup", async () => {
    const name = '<img src=x onerror="alert(1)">';
    openPage({
      "GET /api/v1/playdates/": ok({ results: [invitation({ pet_1: { id: 12, name, species: "other" } })], next: null }),
    });

    const heading = await screen.findByRole("heading", { level: 2 });
    expect(heading.textContent).toBe(`${name} and Rex`);
    expect(heading.querySelector("img")).toBeNull();
  });

  it("keeps the names when a live change arrives without them (an event from before they were sent)", async () => {
    const { rerender } = openPage({ "GET /api/v1/playdates/": ok({ results: [invitation()], next: null }) });
    await screen.findByRole("heading", { name: "Luna and Rex" });

    const countered = invitation({ awaiting_user_id: 8, updated_at: "2025-06-01T12:05:00Z" });
    delete countered.pet_1;
    delete countered.pet_2;
    rerender(page([countered]));

    // Now awaiting the other owner: out of "Incoming", in "Outgoing", still named.
    expect(await screen.findByText("Nothing here yet.")).toBeTruthy();
    await userEvent.setup().click(screen.getByRole("tab", { name: "Outgoing" }));
    expect(await screen.findByRole("heading", { name: "Luna and Rex" })).toBeTruthy();
  });

  it("falls back to \"a pet\" for a playdate that does not name its pets", () => {
    const unnamed = invitation();
    delete unnamed.pet_1;
    delete unnamed.pet_2;

    expect(playdateTitle(unnamed)).toBe("a pet and a pet");
  });
});
