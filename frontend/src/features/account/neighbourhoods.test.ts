import { describe, expect, it } from "vitest";
import { isPickedLocation, neighbourhoodAt, placeOf, type Metro } from "./ProfilePage";

const newYork: Metro = {
  slug: "new-york",
  name: "New York",
  latitude: 40.7128,
  longitude: -74.006,
  neighbourhoods: [
    { name: "Park Slope", slug: "park-slope", latitude: 40.671, longitude: -73.981 },
    { name: "Astoria", slug: "astoria", latitude: 40.764, longitude: -73.923 },
  ],
};

describe("picking where one lives", () => {
  it("puts the owner at the picked neighbourhood's centre, named with its city", () => {
    expect(placeOf(newYork, "park-slope")).toEqual({
      location: "Park Slope, New York",
      latitude: 40.671,
      longitude: -73.981,
    });
  });

  it("puts the owner at the city centre when no neighbourhood is picked", () => {
    expect(placeOf(newYork, "")).toEqual({ location: "New York", latitude: 40.7128, longitude: -74.006 });
  });

  it("shows last time's neighbourhood as picked only when the saved point is its centre", () => {
    expect(neighbourhoodAt(newYork, 40.764, -73.923)).toBe("astoria");
    expect(neighbourhoodAt(newYork, 40.7128, -74.006)).toBe("");
    expect(neighbourhoodAt(newYork, null, null)).toBe("");
    expect(neighbourhoodAt(undefined, 40.764, -73.923)).toBe("");
  });

  it("replaces a location a pick wrote but keeps the owner's own words", () => {
    expect(isPickedLocation([newYork], "")).toBe(true);
    expect(isPickedLocation([newYork], "New York")).toBe(true);
    expect(isPickedLocation([newYork], "Astoria, New York")).toBe(true);
    expect(isPickedLocation([newYork], "Near Prospect Park")).toBe(false);
  });
});
