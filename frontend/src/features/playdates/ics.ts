// An iCalendar file for one playdate, so owners can put it in their own calendar.

const stamp = (moment: Date) => moment.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
const escape = (text: string) => text.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\n/g, "\\n");

export function playdateIcs(playdate: { id: number; date_time: string; location_name: string }, title: string): string {
  const start = new Date(playdate.date_time);
  const end = new Date(start.getTime() + 2 * 60 * 60 * 1000);
  return [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Pawdate//Playdates//EN",
    "BEGIN:VEVENT",
    `UID:playdate-${playdate.id}@pawdate`,
    `DTSTAMP:${stamp(new Date())}`,
    `DTSTART:${stamp(start)}`,
    `DTEND:${stamp(end)}`,
    `SUMMARY:${escape(title)}`,
    ...(playdate.location_name ? [`LOCATION:${escape(playdate.location_name)}`] : []),
    "END:VEVENT",
    "END:VCALENDAR",
    "",
  ].join("\r\n");
}

export function download(filename: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: "text/calendar" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  URL.revokeObjectURL(url);
}
