import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { BarList, LineChart } from "./charts";

describe("LineChart", () => {
  const series = [
    { name: "Daily active owners", values: [0, 5, 10], colour: "#b4420b" },
    { name: "New owners", values: [2, 0, 4], colour: "#2563eb" },
  ];

  it("is an image named by its title", () => {
    const { container } = render(
      <LineChart title="Active owners per day" labels={["2025-06-01", "2025-06-02", "2025-06-03"]} series={series} />,
    );

    const svg = screen.getByRole("img", { name: "Active owners per day" });
    expect(svg.tagName.toLowerCase()).toBe("svg");
    expect(svg.querySelector("title")?.textContent).toBe("Active owners per day");
    expect(container.querySelectorAll("svg")).toHaveLength(1);
  });

  it("draws one line per series, scaled to the largest value", () => {
    render(<LineChart title="Owners" labels={["2025-06-01", "2025-06-02", "2025-06-03"]} series={series} />);

    const lines = [...screen.getByRole("img", { name: "Owners" }).querySelectorAll("polyline")];
    // 600 × 180, 28 of padding: x from 28 to 572, y from 152 (0) up to 28 (the maximum, 10).
    expect(lines.map((line) => [line.getAttribute("stroke"), line.getAttribute("points")])).toEqual([
      ["#b4420b", "28,152 300,90 572,28"],
      ["#2563eb", "28,127.2 300,152 572,102.4"],
    ]);
    const labels = [...document.querySelectorAll("svg text")].map((text) => text.textContent);
    expect(labels).toEqual(["10", "2025-06-01", "2025-06-03"]);
  });

  it("rounds every point to a tenth", () => {
    const labels = ["2025-06-01", "2025-06-02", "2025-06-03", "2025-06-04"];
    render(<LineChart title="Owners" labels={labels} series={[{ name: "Sent", values: [3, 5, 0, 1], colour: "#000" }]} />);

    // Unrounded: "28,77.60000000000001 209.33333333333334,28 390.6666666666667,152 572,127.2".
    expect(screen.getByRole("img", { name: "Owners" }).querySelector("polyline")?.getAttribute("points")).toBe(
      "28,77.6 209.3,28 390.7,152 572,127.2",
    );
  });

  it("names each series in the key", () => {
    const { container } = render(<LineChart title="Owners" labels={["a", "b"]} series={series} />);

    const keys = [...container.querySelectorAll(".chart__key")].map((key) => key.textContent?.trim());
    expect(keys).toEqual(["Daily active owners", "New owners"]);
  });

  it("draws a flat line at the bottom when every value is zero", () => {
    render(<LineChart title="Quiet" labels={["a", "b"]} series={[{ name: "Sent", values: [0, 0], colour: "#000" }]} />);

    expect(screen.getByRole("img", { name: "Quiet" }).querySelector("polyline")?.getAttribute("points")).toBe(
      "28,152 572,152",
    );
  });
});

describe("BarList", () => {
  it("shows each bar with its label, value, note and width relative to the largest", () => {
    render(
      <BarList
        title="Invitation funnel"
        bars={[
          { label: "Suggested", value: 2000 },
          { label: "Invited", value: 500, note: "25%" },
          { label: "Accepted", value: 0, note: "0%" },
        ]}
      />,
    );

    // Browsers name a figure by its figcaption (HTML-AAM); jsdom's role queries do not, so look.
    const figure = screen.getByRole("figure");
    expect(figure.querySelector(":scope > figcaption")?.textContent).toBe("Invitation funnel");
    const bars = within(figure).getAllByRole("listitem");
    expect(bars.map((bar) => bar.querySelector(".bars__label")?.textContent)).toEqual(["Suggested", "Invited", "Accepted"]);
    expect(bars.map((bar) => bar.querySelector(".bars__value")?.textContent)).toEqual([
      (2000).toLocaleString(),
      "500 25%",
      "0 0%",
    ]);
    expect(bars.map((bar) => (bar.querySelector(".bars__bar") as HTMLElement).style.width)).toEqual([
      "100%",
      "25%",
      "0%",
    ]);
  });
});
