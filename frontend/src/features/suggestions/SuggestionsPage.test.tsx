// The suggestions screen inside the app (it reads the live store), against a fake API and socket.
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../../App";
import { setAccess } from "../../api/http";
import type { PublicPet, Suggestion } from "../../realtime/types";
import { apiError, fakeApi, fakeWebSocket, ok, sessionRoutes, signedInCookie, user, type Routes } from "../../test/fakeApi";

const ME = user({ id: 7 });

function pet(id: number, name: string, over: Partial<PublicPet> = {}): PublicPet {
  return {
    id,
    owner_id: 7,
    name,
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

const SLOT = "2030-06-08T10:00:00-04:00";

function suggestion(id: number, name: string, score: number): Suggestion {
  return {
    pet: pet(id, name, { owner_id: 20 + id, breed: "" }),
    owner: { id: 20 + id, username: `owner${id}` },
    distance_km: 1.5,
    score,
    reasons: {
      distance: { value: 1.5, weight: 0.3, points: 0.25, detail: "1.5 km away" },
      energy: { value: 1, weight: 0.2, points: 0.2, detail: "Both have high energy" },
      size: { value: 0, weight: 0.2, points: 0, detail: "Different sizes" },
      availability: { value: 0.5, weight: 0.3, points: 0.15, detail: "Both free on Saturday mornings" },
      age: { value: 1, weight: 0.1, points: 0.1, detail: "Close in age" },
    },
    suggested_slots: [SLOT],
  };
}

function openSuggestions(routes: Routes) {
  const api = fakeApi({
    ...sessionRoutes(ME),
    "GET /api/v1/playdates/": ok({ results: [], next: null }),
    ...routes,
  });
  const sockets = fakeWebSocket();
  signedInCookie(true);
  window.history.replaceState(null, "", "/");
  render(<App />);
  return { api, sockets };
}

const cards = () => screen.queryAllByRole("heading", { level: 2 }).map((heading) => heading.textContent);

describe("SuggestionsPage", () => {
  afterEach(() => {
    setAccess(null);
    signedInCookie(false);
    window.history.replaceState(null, "", "/");
  });

  it("shows the first pet's suggestions with their score and best reasons", async () => {
    const { api } = openSuggestions({
      "GET /api/v1/pets/": ok({ results: [pet(3, "Rex"), pet(4, "Mia")], next: null }),
      "GET /api/v1/pets/3/matches": ok({ results: [suggestion(50, "Bella", 0.87), suggestion(51, "Max", 0.6)], next: null }),
      "GET /api/v1/pets/4/matches": ok({ results: [suggestion(52, "Luna", 0.7)], next: null }),
    });

    await waitFor(() => expect(cards()).toEqual(["Bella", "Max"]));
    const bella = screen.getAllByRole("listitem").find((item) => item.querySelector("h2")?.textContent === "Bella");
    expect(within(bella as HTMLElement).getByLabelText("Match 87 percent").textContent).toBe("87% match");
    expect(within(bella as HTMLElement).getAllByRole("listitem").map((item) => item.textContent)).toEqual([
      "1.5 km away",
      "Both have high energy",
      "Both free on Saturday mornings",
    ]);
    expect(api.callsTo("GET", "/api/v1/pets/3/matches")[0]?.query.toString()).toBe("limit=20");

    await userEvent.setup({ delay: null }).selectOptions(screen.getByLabelText("For"), "4");
    await waitFor(() => expect(cards()).toEqual(["Luna"]));
  });

  it("invites at the suggested time, or passes, and the card goes", async () => {
    const { api } = openSuggestions({
      "GET /api/v1/pets/": ok({ results: [pet(3, "Rex")], next: null }),
      "GET /api/v1/pets/3/matches": ok({ results: [suggestion(50, "Bella", 0.87), suggestion(51, "Max", 0.6)], next: null }),
      "POST /api/v1/playdates/": ok({ id: 90, status: "pending" }, 201),
      "POST /api/v1/pets/3/matches/51/pass": { status: 204 },
    });
    const person = userEvent.setup({ delay: null });
    await waitFor(() => expect(cards()).toEqual(["Bella", "Max"]));

    const [inviteBella] = screen.getAllByRole("button", { name: /^Invite · / });
    await person.click(inviteBella as HTMLElement);
    expect((await screen.findByText("Invitation sent to owner50 for Bella.")).getAttribute("role")).toBe("status");
    expect(cards()).toEqual(["Max"]);
    expect(api.callsTo("POST", "/api/v1/playdates/").map((call) => call.body)).toEqual([
      { from_pet: 3, to_pet: 50, date_time: SLOT },
    ]);

    await person.click(screen.getByRole("button", { name: "Pass" }));
    await waitFor(() => expect(cards()).toEqual([]));
    expect(api.callsTo("POST", "/api/v1/pets/3/matches/51/pass")).toHaveLength(1);
    expect(screen.getByText("No one nearby yet. New pets appear here as they join.")).toBeTruthy();
  });

  it("puts a playmate suggested live on top and says so", async () => {
    const { sockets } = openSuggestions({
      "GET /api/v1/pets/": ok({ results: [pet(3, "Rex")], next: null }),
      "GET /api/v1/pets/3/matches": ok({ results: [suggestion(50, "Bella", 0.87)], next: null }),
    });
    await waitFor(() => expect(sockets.sockets).toHaveLength(1));
    const socket = sockets.latest();
    act(() => socket.accept(ME.id, 10));
    await waitFor(() => expect(cards()).toEqual(["Bella"]));

    act(() =>
      socket.push({
        type: "match.suggested",
        seq: 11,
        ts: "2025-06-01T12:00:00Z",
        data: { for_pet_id: 3, suggestion: suggestion(60, "Coco", 0.9) },
      }),
    );

    expect(cards()).toEqual(["Coco", "Bella"]);
    expect(screen.getByText("A new playmate just joined nearby.").getAttribute("role")).toBe("status");
  });

  it("asks an owner without pets to add one first", async () => {
    const { api } = openSuggestions({ "GET /api/v1/pets/": ok({ results: [], next: null }) });

    const hint = await screen.findByText((_, element) => element?.textContent === "Add a pet first: My pets.");
    expect(within(hint).getByRole("link", { name: "My pets" }).getAttribute("href")).toBe("/pets");
    expect(api.calls.filter((call) => call.path.endsWith("/matches"))).toEqual([]);
  });

  it("says when the pets could not be loaded, instead of looking forever", async () => {
    const { api } = openSuggestions({
      "GET /api/v1/pets/": apiError(500, "server_error", "Something went wrong on our side."),
    });

    const error = await screen.findByText("Your pets could not be loaded. Something went wrong on our side.");
    expect(error.getAttribute("role")).toBe("alert");
    expect(screen.queryByText("Looking for playmates nearby…")).toBeNull();
    expect(api.calls.filter((call) => call.path.endsWith("/matches"))).toEqual([]);
  });
});
