import { describe, expect, it } from "vitest";
import { playdateIcs } from "./ics";

describe("playdateIcs", () => {
  it("makes a two-hour event at the playdate's time and place", () => {
    const ics = playdateIcs(
      { id: 7, date_time: "2030-05-04T15:00:00Z", location_name: "Prospect Park, Brooklyn" },
      "Rex meets Bella",
    );

    expect(ics).toContain("DTSTART:20300504T150000Z\r\n");
    expect(ics).toContain("DTEND:20300504T170000Z\r\n");
    expect(ics).toContain("LOCATION:Prospect Park\\, Brooklyn\r\n");
    expect(ics).toContain("SUMMARY:Rex meets Bella\r\n");
    expect(ics.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);
  });
});
