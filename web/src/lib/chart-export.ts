// PNG export of a chart (roadmap 2.2): the chart's canvas drawn onto a new
// canvas with the theme's background, a title, a subtitle (the filter)
// and a legend, so the picture stands on its own in a slide or a ticket.

export interface LegendItem {
  label: string;
  color: string;
}

export interface ExportStyle {
  background: string;
  text: string;
  muted: string;
  font: string;
}

export interface ExportSpec {
  title: string;
  subtitle?: string;
  legend: LegendItem[];
  style: ExportStyle;
  /** Device pixels per CSS pixel of the source canvas. */
  scale: number;
}

/** The parts of a 2D context the composition uses (a stub in tests). */
export interface Ctx {
  fillStyle: string | CanvasGradient | CanvasPattern;
  font: string;
  textBaseline: CanvasTextBaseline;
  fillRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  measureText(text: string): { width: number };
  drawImage(image: CanvasImageSource, dx: number, dy: number): void;
}

export interface CanvasOut {
  width: number;
  height: number;
  getContext(kind: '2d'): Ctx | null;
}

/** legendRows lays legend items out in rows no wider than width. */
export function legendRows(items: LegendItem[], measure: (s: string) => number, width: number, swatch: number, gap: number): LegendItem[][] {
  const rows: LegendItem[][] = [];
  let row: LegendItem[] = [];
  let x = 0;
  for (const it of items) {
    const w = swatch + gap / 2 + measure(it.label);
    if (row.length && x + w > width) {
      rows.push(row);
      row = [];
      x = 0;
    }
    row.push(it);
    x += w + gap;
  }
  if (row.length) rows.push(row);
  return rows;
}

/**
 * compose draws src (the chart canvas, at spec.scale device pixels per
 * CSS pixel) under a title, subtitle and legend on a canvas from make,
 * filled with the background. Returns that canvas.
 */
export function compose<C extends CanvasOut>(src: CanvasImageSource & { width: number; height: number }, spec: ExportSpec, make: () => C): C {
  const s = spec.scale || 1;
  const pad = 20 * s;
  const swatch = 12 * s;
  const gap = 18 * s;
  const titleSize = 17 * s;
  const subSize = 12.5 * s;
  const legendSize = 12.5 * s;
  const line = legendSize * 1.7;

  const out = make();
  // A first context to measure the legend before sizing the canvas.
  out.width = src.width + 2 * pad;
  out.height = 1;
  let ctx = out.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  ctx.font = `${legendSize}px ${spec.style.font}`;
  const rows = legendRows(spec.legend, (t) => ctx!.measureText(t).width, src.width, swatch, gap);

  let y = pad;
  const titleY = y;
  y += titleSize * 1.35;
  const subY = y;
  if (spec.subtitle) y += subSize * 1.6;
  const legendY = y + 4 * s;
  y = legendY + rows.length * line + 6 * s;
  const chartY = Math.round(y);
  out.height = chartY + src.height + Math.round(pad);

  // Resizing a canvas resets its context.
  ctx = out.getContext('2d')!;
  ctx.fillStyle = spec.style.background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.textBaseline = 'top';
  ctx.fillStyle = spec.style.text;
  ctx.font = `600 ${titleSize}px ${spec.style.font}`;
  ctx.fillText(spec.title, pad, titleY);
  if (spec.subtitle) {
    ctx.fillStyle = spec.style.muted;
    ctx.font = `${subSize}px ${spec.style.font}`;
    ctx.fillText(spec.subtitle, pad, subY);
  }
  ctx.font = `${legendSize}px ${spec.style.font}`;
  rows.forEach((row, r) => {
    let x = pad;
    const ly = legendY + r * line;
    for (const it of row) {
      ctx!.fillStyle = it.color;
      ctx!.fillRect(x, ly + (legendSize - swatch) / 2 + 1 * s, swatch, swatch);
      x += swatch + gap / 2;
      ctx!.fillStyle = spec.style.text;
      ctx!.fillText(it.label, x, ly);
      x += ctx!.measureText(it.label).width + gap;
    }
  });
  ctx.drawImage(src, pad, chartY);
  return out;
}

/** fileName is a safe PNG name for a chart: "parse-dmarc-compliance-2024-06-01.png". */
export function fileName(chart: string, day: string): string {
  const slug = chart
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `parse-dmarc-${slug || 'chart'}-${day}.png`;
}

/** download saves a canvas as a PNG file through a temporary link. */
export function download(canvas: HTMLCanvasElement, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => {
      if (!blob) {
        reject(new Error('the chart could not be turned into a PNG'));
        return;
      }
      const href = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = href;
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(href), 1000);
      resolve();
    }, 'image/png');
  });
}
