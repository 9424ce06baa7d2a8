// Small SVG charts: no chart library, nothing fetched at run time, readable by screen readers
// through their titles and the tables the dashboard shows beside them.

// Coordinates to a tenth of a unit: finer is invisible, and 77.60000000000001 is noise in the page.
const tenth = (value: number) => Math.round(value * 10) / 10;

interface Series {
  name: string;
  values: number[];
  colour: string;
}

export function LineChart({ title, labels, series, height = 180 }: { title: string; labels: string[]; series: Series[]; height?: number }) {
  const width = 600;
  const pad = 28;
  const max = Math.max(1, ...series.flatMap((line) => line.values));
  const x = (index: number) => tenth(pad + (index * (width - 2 * pad)) / Math.max(1, labels.length - 1));
  const y = (value: number) => tenth(height - pad - (value / max) * (height - 2 * pad));
  return (
    <figure className="chart">
      <div className="chart__title" aria-hidden="true">{title}</div>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
        <title>{title}</title>
        <line x1={pad} x2={width - pad} y1={height - pad} y2={height - pad} className="chart__axis" />
        <text x={pad} y={pad - 10} className="chart__label">{max.toLocaleString()}</text>
        <text x={pad} y={height - 8} className="chart__label">{labels[0]}</text>
        <text x={width - pad} y={height - 8} className="chart__label" textAnchor="end">{labels[labels.length - 1]}</text>
        {series.map((line) => (
          <polyline key={line.name} fill="none" stroke={line.colour} strokeWidth={2.5}
            points={line.values.map((value, index) => `${x(index)},${y(value)}`).join(" ")} />
        ))}
      </svg>
      <figcaption>
        {series.map((line) => (
          <span key={line.name} className="chart__key">
            <span style={{ background: line.colour }} aria-hidden="true" /> {line.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

export function BarList({ title, bars }: { title: string; bars: { label: string; value: number; note?: string }[] }) {
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  return (
    <figure className="chart">
      <figcaption className="chart__title">{title}</figcaption>
      <ul className="bars">
        {bars.map((bar) => (
          <li key={bar.label}>
            <span className="bars__label">{bar.label}</span>
            <span className="bars__track">
              <span className="bars__bar" style={{ width: `${(bar.value / max) * 100}%` }} />
            </span>
            <span className="bars__value">
              {bar.value.toLocaleString()}
              {bar.note && <small> {bar.note}</small>}
            </span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
