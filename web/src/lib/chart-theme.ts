// The colours of the charts, read from the CSS tokens of app.css (canvas
// cannot use var()), so charts follow the theme: read again on every
// theme change.

export interface ChartTokens {
  /** --chart-1 … --chart-5. */
  series: string[];
  grid: string;
  text: string;
  muted: string;
  surface: string;
  border: string;
  good: string;
  warn: string;
  bad: string;
  font: string;
}

const fallback: ChartTokens = {
  series: ['#2563eb', '#16a34a', '#dc2626', '#d97706', '#7c3aed'],
  grid: '#e6e9ee',
  text: '#171a1f',
  muted: '#535c69',
  surface: '#ffffff',
  border: '#dfe3e8',
  good: '#137333',
  warn: '#995500',
  bad: '#b3261e',
  font: 'system-ui, sans-serif',
};

/** readTokens reads the chart colours of the theme in effect on el (the root by default). */
export function readTokens(el: Element = document.documentElement): ChartTokens {
  const cs = getComputedStyle(el);
  const v = (name: string, d: string) => cs.getPropertyValue(name).trim() || d;
  return {
    series: fallback.series.map((d, i) => v(`--chart-${i + 1}`, d)),
    grid: v('--chart-grid', fallback.grid),
    text: v('--text', fallback.text),
    muted: v('--muted', fallback.muted),
    surface: v('--surface', fallback.surface),
    border: v('--border', fallback.border),
    good: v('--good', fallback.good),
    warn: v('--warn', fallback.warn),
    bad: v('--bad', fallback.bad),
    font: v('--font', fallback.font),
  };
}

/** axisStyle is the look of a uPlot axis in the theme's colours. */
export function axisStyle(t: ChartTokens) {
  return {
    stroke: t.muted,
    font: `12px ${t.font}`,
    grid: { stroke: t.grid, width: 1 },
    ticks: { stroke: t.grid, width: 1, size: 4 },
    border: { show: false },
  };
}
