// Colour scales of the map (roadmap 2.3): hue by DMARC pass rate on a
// diverging red → amber → green scale (the --bad, --warn and --good
// tokens), or one hue by volume; intensity by volume on a log scale, so a
// country with 10 messages is still seen next to one with 100,000.
// Colours are computed (not color-mix) so they can be tested and drawn.

export type RGB = [number, number, number];

/** parseColor reads #rgb, #rrggbb and rgb()/rgba() colours (what tokens and getComputedStyle give). */
export function parseColor(s: string): RGB | undefined {
  const t = s.trim().toLowerCase();
  let m = /^#([0-9a-f]{3})$/.exec(t);
  if (m) return [0, 1, 2].map((i) => parseInt(m![1][i] + m![1][i], 16)) as RGB;
  m = /^#([0-9a-f]{6})(?:[0-9a-f]{2})?$/.exec(t);
  if (m) return [0, 2, 4].map((i) => parseInt(m![1].slice(i, i + 2), 16)) as RGB;
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(t);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  return undefined;
}

/** hex formats a colour as #rrggbb. */
export function hex(c: RGB): string {
  return '#' + c.map((v) => Math.round(Math.max(0, Math.min(255, v))).toString(16).padStart(2, '0')).join('');
}

/** mix goes from a (t = 0) to b (t = 1). */
export function mix(a: RGB, b: RGB, t: number): RGB {
  const k = Math.max(0, Math.min(1, t));
  return [a[0] + (b[0] - a[0]) * k, a[1] + (b[1] - a[1]) * k, a[2] + (b[2] - a[2]) * k];
}

/**
 * logShare places v on a log scale from 0 (v ≤ min) to 1 (v ≥ max); min
 * is the least volume shown (1 by default), so the countries in view use
 * the whole scale.
 */
export function logShare(v: number, max: number, min = 1): number {
  const lo = Math.max(1, min);
  if (v <= 0 || max <= 0) return 0;
  if (v >= max) return 1;
  if (v <= lo || max <= lo) return 0;
  return Math.log(v / lo) / Math.log(max / lo);
}

/** The pass rates (%) where the scale is fully bad, amber and good. */
export const rateStops = { bad: 50, warn: 75, good: 95 } as const;

export interface Palette {
  bad: RGB;
  warn: RGB;
  good: RGB;
  /** The hue of "colour by volume". */
  volume: RGB;
  /** What a country with the least shown volume fades to. */
  base: RGB;
  /** Land with no data. */
  empty: string;
}

/** rateColor is the diverging colour of a pass rate (0..100). */
export function rateColor(rate: number, p: Pick<Palette, 'bad' | 'warn' | 'good'>): RGB {
  const { bad, warn, good } = rateStops;
  if (rate <= bad) return p.bad;
  if (rate <= warn) return mix(p.bad, p.warn, (rate - bad) / (warn - bad));
  if (rate < good) return mix(p.warn, p.good, (rate - warn) / (good - warn));
  return p.good;
}

/** The least intensity of a shown country: low volume stays visible. */
export const minIntensity = 0.3;

/** intensity is how strongly a volume shows, minIntensity … 1 on a log scale from min to max. */
export function intensity(v: number, max: number, min = 1): number {
  return minIntensity + (1 - minIntensity) * logShare(v, max, min);
}

export type ColourBy = 'rate' | 'volume';

/**
 * fill is a country's colour: the empty colour without volume, else the
 * hue (by pass rate, or the volume hue) faded towards base by volume.
 */
export function fill(volume: number, passRate: number, max: number, by: ColourBy, p: Palette, min = 1): string {
  if (volume <= 0) return p.empty;
  const hue = by === 'rate' ? rateColor(passRate, p) : p.volume;
  return hex(mix(p.base, hue, intensity(volume, max, min)));
}

/** palette builds a palette from token strings (e.g. readTokens plus --accent). */
export function palette(t: { bad: string; warn: string; good: string; volume: string; base: string; empty: string }): Palette {
  const c = (s: string, d: RGB) => parseColor(s) ?? d;
  return {
    bad: c(t.bad, [179, 38, 30]),
    warn: c(t.warn, [153, 85, 0]),
    good: c(t.good, [19, 115, 51]),
    volume: c(t.volume, [37, 99, 235]),
    base: c(t.base, [255, 255, 255]),
    empty: t.empty,
  };
}

/** volumeTicks are up to 5 values to label a log legend: min, the powers of ten between, and max. */
export function volumeTicks(max: number, min = 1): number[] {
  const lo = Math.max(1, Math.round(min));
  const hi = Math.round(max);
  if (hi < 1) return [];
  if (hi <= lo) return [hi];
  const all = [lo];
  for (let p = 10 ** Math.ceil(Math.log10(lo + 1)); p < hi; p *= 10) if (p > lo) all.push(p);
  all.push(hi);
  if (all.length <= 5) return all;
  const step = (all.length - 1) / 4;
  return [0, 1, 2, 3, 4].map((i) => all[Math.round(i * step)]);
}
