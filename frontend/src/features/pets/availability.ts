// A pet's weekly free times as the API stores them (windows of "HH:MM") and as the week grid
// edits them (whole periods). The grid adds or takes away one period at a time and leaves every
// other minute as it was, so a window it cannot show (Wed 09:00–11:00) is never lost by a save.

export interface Window {
  weekday: number;
  start: string;
  end: string;
}

export const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
export const PERIODS = [
  { name: "Morning", start: "08:00", end: "12:00" },
  { name: "Afternoon", start: "12:00", end: "17:00" },
  { name: "Evening", start: "17:00", end: "21:00" },
];

const minutes = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
const clock = (total: number) =>
  `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;

/** "Wed 09:00–11:00". */
export function windowLabel(window: Window): string {
  return `${DAYS[window.weekday] ?? `Day ${window.weekday}`} ${window.start}–${window.end}`;
}

/** Which grid cells (weekday × period) the windows cover in full. */
export function cellsOf(windows: Window[]): Set<string> {
  const cells = new Set<string>();
  for (const window of windows) {
    PERIODS.forEach((period, index) => {
      if (window.start <= period.start && window.end >= period.end) cells.add(`${window.weekday}:${index}`);
    });
  }
  return cells;
}

/** Whether the grid shows this window exactly: it starts and ends where periods do. */
export function fitsGrid(window: Window): boolean {
  return (
    window.start < window.end &&
    PERIODS.some((period) => period.start === window.start) &&
    PERIODS.some((period) => period.end === window.end)
  );
}

/** The windows in weekday and start order, those that overlap or touch merged into one. */
function merged(windows: Window[]): Window[] {
  const sorted = [...windows].sort((a, b) => a.weekday - b.weekday || minutes(a.start) - minutes(b.start));
  const result: Window[] = [];
  for (const window of sorted) {
    const last = result[result.length - 1];
    if (last && last.weekday === window.weekday && minutes(window.start) <= minutes(last.end)) {
      if (minutes(window.end) > minutes(last.end)) last.end = window.end;
    } else result.push({ ...window });
  }
  return result;
}

/** The windows with one grid period of one weekday made free (`free`) or busy; nothing else moves. */
export function withPeriod(windows: Window[], weekday: number, periodIndex: number, free: boolean): Window[] {
  const period = PERIODS[periodIndex];
  if (!period) return windows;
  if (free) return merged([...windows, { weekday, start: period.start, end: period.end }]);
  const [from, to] = [minutes(period.start), minutes(period.end)];
  const left = windows.flatMap((window) => {
    const [start, end] = [minutes(window.start), minutes(window.end)];
    if (window.weekday !== weekday || end <= from || start >= to) return [window];
    const pieces: Window[] = [];
    if (start < from) pieces.push({ weekday, start: window.start, end: clock(from) });
    if (end > to) pieces.push({ weekday, start: clock(to), end: window.end });
    return pieces;
  });
  return merged(left);
}
