import { describe, expect, it } from 'vitest';
import { fill, hex, intensity, logShare, minIntensity, mix, palette, parseColor, rateColor, volumeTicks } from './geo-scale';

const p = palette({ bad: '#b3261e', warn: '#995500', good: '#137333', volume: '#2563eb', base: '#ffffff', empty: 'var(--surface-2)' });

describe('colours', () => {
  it('parses token colours', () => {
    expect(parseColor('#fff')).toEqual([255, 255, 255]);
    expect(parseColor(' #137333 ')).toEqual([19, 115, 51]);
    expect(parseColor('#13733380')).toEqual([19, 115, 51]);
    expect(parseColor('rgb(1, 2, 3)')).toEqual([1, 2, 3]);
    expect(parseColor('rgb(1 2 3 / 50%)')).toEqual([1, 2, 3]);
    expect(parseColor('tomato')).toBeUndefined();
  });
  it('mixes and formats', () => {
    expect(hex(mix([0, 0, 0], [255, 255, 255], 0.5))).toBe('#808080');
    expect(hex(mix([0, 0, 0], [255, 255, 255], 2))).toBe('#ffffff');
    expect(hex([300, -1, 16])).toBe('#ff0010');
  });
  it('puts pass rates on a red → amber → green scale', () => {
    expect(rateColor(0, p)).toEqual(p.bad);
    expect(rateColor(50, p)).toEqual(p.bad);
    expect(rateColor(75, p)).toEqual(p.warn);
    expect(rateColor(100, p)).toEqual(p.good);
    expect(rateColor(95, p)).toEqual(p.good);
    // Between the stops the colour is between their colours.
    const mid = rateColor(85, p);
    for (let i = 0; i < 3; i++) {
      expect(mid[i]).toBeGreaterThanOrEqual(Math.min(p.warn[i], p.good[i]));
      expect(mid[i]).toBeLessThanOrEqual(Math.max(p.warn[i], p.good[i]));
    }
  });
  it('scales volume logarithmically', () => {
    expect(logShare(0, 1000)).toBe(0);
    expect(logShare(1000, 1000)).toBe(1);
    expect(logShare(5000, 1000)).toBe(1);
    expect(logShare(31.6, 1000)).toBeCloseTo(0.5, 2);
    expect(logShare(10, 0)).toBe(0);
    // From the least volume in view: it gets 0, the middle on a log scale 0.5.
    expect(logShare(100, 10000, 100)).toBe(0);
    expect(logShare(1000, 10000, 100)).toBeCloseTo(0.5, 5);
    expect(logShare(50, 10000, 100)).toBe(0);
    expect(logShare(7, 7, 7)).toBe(1);
    expect(intensity(0, 100)).toBe(minIntensity);
    expect(intensity(100, 100)).toBe(1);
    expect(intensity(10, 100000)).toBeGreaterThan(minIntensity);
    expect(intensity(100, 10000, 100)).toBe(minIntensity);
  });
  it('fills countries', () => {
    expect(fill(0, 100, 1000, 'rate', p)).toBe('var(--surface-2)');
    expect(fill(1000, 100, 1000, 'rate', p)).toBe('#137333');
    expect(fill(1000, 0, 1000, 'rate', p)).toBe('#b3261e');
    expect(fill(1000, 0, 1000, 'volume', p)).toBe('#2563eb');
    // Less volume fades towards the base.
    const low = parseColor(fill(2, 100, 1000, 'rate', p))!;
    expect(low[0]).toBeGreaterThan(19);
    expect(low[0]).toBeLessThan(255);
  });
  it('labels a log legend with round values', () => {
    expect(volumeTicks(0)).toEqual([]);
    expect(volumeTicks(1)).toEqual([1]);
    expect(volumeTicks(1234)).toEqual([1, 10, 100, 1000, 1234]);
    expect(volumeTicks(5_000_000)).toEqual([1, 100, 10000, 100000, 5000000]);
    expect(volumeTicks(24861, 1193)).toEqual([1193, 10000, 24861]);
    expect(volumeTicks(500, 1000)).toEqual([500]);
    expect(volumeTicks(1000, 10)).toEqual([10, 100, 1000]);
  });
});
