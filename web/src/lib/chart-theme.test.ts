import { afterEach, describe, expect, it } from 'vitest';
import { axisStyle, readTokens } from './chart-theme';

describe('chart tokens', () => {
  afterEach(() => document.documentElement.removeAttribute('style'));
  it('reads the CSS tokens of the root', () => {
    const root = document.documentElement;
    root.style.setProperty('--chart-1', ' #7aa7ff');
    root.style.setProperty('--chart-grid', '#262b35');
    root.style.setProperty('--muted', '#a0a8b6');
    const t = readTokens();
    expect(t.series[0]).toBe('#7aa7ff');
    expect(t.series).toHaveLength(5);
    expect(t.grid).toBe('#262b35');
    expect(axisStyle(t).stroke).toBe('#a0a8b6');
    expect(axisStyle(t).grid.stroke).toBe('#262b35');
  });
  it('falls back when a token is missing', () => {
    const t = readTokens();
    expect(t.series[4]).toMatch(/^#/);
    expect(t.text).toMatch(/^#/);
  });
});
