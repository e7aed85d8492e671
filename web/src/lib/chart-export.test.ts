import { describe, expect, it } from 'vitest';
import { compose, fileName, legendRows, type Ctx } from './chart-export';

/** A canvas whose context records what is drawn, each character 6 px wide. */
function stub() {
  const calls: string[] = [];
  const ctx: Ctx & { calls: string[] } = {
    calls,
    fillStyle: '',
    font: '',
    textBaseline: 'alphabetic',
    fillRect: (x, y, w, h) => calls.push(`rect ${ctx.fillStyle} ${x},${y} ${w}x${h}`),
    fillText: (t, x, y) => calls.push(`text ${ctx.fillStyle} ${t} ${x},${y}`),
    measureText: (t) => ({ width: t.length * 6 }),
    drawImage: (_img, x, y) => calls.push(`image ${x},${y}`),
  };
  const canvas = {
    width: 0,
    height: 0,
    getContext: () => {
      // Like a real canvas: a resize resets the state.
      ctx.fillStyle = '';
      return ctx;
    },
  };
  return { canvas, ctx };
}

const style = { background: '#161a21', text: '#e7e9ed', muted: '#a0a8b6', font: 'sans-serif' };
const src = { width: 600, height: 300 } as unknown as HTMLCanvasElement;

describe('chart export', () => {
  it('draws background, title, subtitle, legend and the chart', () => {
    const { canvas, ctx } = stub();
    const out = compose(
      src,
      {
        title: 'Compliance',
        subtitle: 'All domains · Last 30 days',
        legend: [
          { label: 'DMARC pass rate', color: '#7aa7ff' },
          { label: 'SPF', color: '#5fd38a' },
        ],
        style,
        scale: 1,
      },
      () => canvas,
    );
    expect(out).toBe(canvas);
    expect(out.width).toBe(640);
    expect(out.height).toBeGreaterThan(340);
    // The background covers the whole canvas first.
    expect(ctx.calls[0]).toBe(`rect #161a21 0,0 640x${out.height}`);
    expect(ctx.calls.some((c) => c.startsWith('text #e7e9ed Compliance 20,'))).toBe(true);
    expect(ctx.calls.some((c) => c.startsWith('text #a0a8b6 All domains · Last 30 days'))).toBe(true);
    expect(ctx.calls.filter((c) => c.startsWith('rect #7aa7ff') || c.startsWith('rect #5fd38a'))).toHaveLength(2);
    const image = ctx.calls.find((c) => c.startsWith('image'))!;
    const y = Number(image.split(',')[1]);
    // The chart sits under the text and ends a padding above the bottom.
    expect(y + 300 + 20).toBe(out.height);
    expect(ctx.calls[ctx.calls.length - 1]).toMatch(/^image 20,/);
  });

  it('scales with the device pixel ratio', () => {
    const a = stub();
    const b = stub();
    const spec = { title: 'Volume', legend: [], style, scale: 1 };
    compose(src, spec, () => a.canvas);
    compose({ width: 1200, height: 600 } as unknown as HTMLCanvasElement, { ...spec, scale: 2 }, () => b.canvas);
    expect(b.canvas.width).toBe(a.canvas.width * 2);
    expect(b.canvas.height).toBe(a.canvas.height * 2);
  });

  it('wraps the legend into rows', () => {
    const items = ['aaaa', 'bbbb', 'cccc'].map((label) => ({ label, color: '#000' }));
    // Each item: 10 swatch + 5 + 24 text = 39 wide, 10 gap between.
    expect(legendRows(items, (s) => s.length * 6, 90, 10, 10).map((r) => r.length)).toEqual([2, 1]);
    expect(legendRows(items, (s) => s.length * 6, 1000, 10, 10)).toHaveLength(1);
    expect(legendRows([], (s) => s.length, 100, 10, 10)).toEqual([]);
  });

  it('names files safely', () => {
    expect(fileName('Pass / fail breakdown', '2024-06-01')).toBe('parse-dmarc-pass-fail-breakdown-2024-06-01.png');
    expect(fileName('', '2024-06-01')).toBe('parse-dmarc-chart-2024-06-01.png');
  });
});
