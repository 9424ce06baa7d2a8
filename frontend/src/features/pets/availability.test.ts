import { describe, expect, it } from "vitest";
import { cellsOf, fitsGrid, withPeriod, windowLabel } from "./availability";

describe("the week grid", () => {
  it("merges touching periods of a day into one window", () => {
    let windows = withPeriod([], 0, 0, true);
    windows = withPeriod(windows, 5, 2, true);
    windows = withPeriod(windows, 0, 1, true);

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
    const grid = ["1:0", "1:2", "6:0", "6:1", "6:2"];
    const windows = grid.reduce(
      (current, cell) => withPeriod(current, Number(cell[0]), Number(cell[2]), true),
      [] as ReturnType<typeof withPeriod>,
    );

    expect(cellsOf(windows)).toEqual(new Set(grid));
    expect(windows.every(fitsGrid)).toBe(true);
  });

  it("takes a period away and keeps the rest of the window, to the minute", () => {
    const windows = [
      { weekday: 3, start: "07:00", end: "12:30" },
      { weekday: 4, start: "08:00", end: "12:00" },
    ];

    expect(withPeriod(windows, 3, 0, false)).toEqual([
      { weekday: 3, start: "07:00", end: "08:00" },
      { weekday: 3, start: "12:00", end: "12:30" },
      { weekday: 4, start: "08:00", end: "12:00" },
    ]);
    expect(withPeriod(withPeriod(windows, 3, 0, false), 3, 0, true)).toEqual(windows);
  });

  it("adds a period around a shorter window, and leaves other days alone", () => {
    const windows = [
      { weekday: 2, start: "09:00", end: "11:00" },
      { weekday: 6, start: "00:00", end: "24:00" },
    ];

    expect(withPeriod(windows, 2, 0, true)).toEqual([
      { weekday: 2, start: "08:00", end: "12:00" },
      { weekday: 6, start: "00:00", end: "24:00" },
    ]);
    expect(withPeriod(windows, 6, 1, false)).toEqual([
      { weekday: 2, start: "09:00", end: "11:00" },
      { weekday: 6, start: "00:00", end: "12:00" },
      { weekday: 6, start: "17:00", end: "24:00" },
    ]);
  });

  it("tells windows the grid shows exactly from those it cannot", () => {
    const windows = [
      { weekday: 0, start: "08:00", end: "21:00" },
      { weekday: 1, start: "12:00", end: "17:00" },
      { weekday: 2, start: "09:00", end: "11:00" },
      { weekday: 3, start: "07:00", end: "12:00" },
      { weekday: 4, start: "12:00", end: "12:00" },
    ];

    expect(windows.map(fitsGrid)).toEqual([true, true, false, false, false]);
    expect(windowLabel(windows[2]!)).toBe("Wed 09:00–11:00");
  });
});
