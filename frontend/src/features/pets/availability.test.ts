import { describe, expect, it } from "vitest";
import { cellsOf, windowsOf } from "./PetDetailPage";

describe("the week grid", () => {
  it("merges touching periods of a day into one window", () => {
    const windows = windowsOf(new Set(["0:0", "0:1", "5:2"]));

    expect(windows).toEqual([
      { weekday: 0, start: "08:00", end: "17:00" },
      { weekday: 5, start: "17:00", end: "21:00" },
    ]);
  });

  it("shows a period as free only when a window covers it whole", () => {
    const cells = cellsOf([
      { weekday: 2, start: "07:00", end: "12:30" },
      { weekday: 3, start: "13:00", end: "24:00" },
    ]);

    expect([...cells].sort()).toEqual(["2:0", "3:2"]);
  });

  it("round-trips the grid", () => {
    const grid = new Set(["1:0", "1:2", "6:0", "6:1", "6:2"]);

    expect(cellsOf(windowsOf(grid))).toEqual(grid);
  });
});
