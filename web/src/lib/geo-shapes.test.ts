import { describe, expect, it } from 'vitest';
import { height, shapes, width } from './geo-shapes';

describe('geo-shapes', () => {
  const s = shapes();
  it('projects every country but Antarctica into the viewBox', () => {
    expect(s.length).toBe(176);
    expect(s.find((x) => x.id === '010')).toBeUndefined();
    for (const x of s) {
      expect(x.d.startsWith('M')).toBe(true);
      expect(x.centroid[0]).toBeGreaterThanOrEqual(0);
      expect(x.centroid[0]).toBeLessThanOrEqual(width);
      expect(x.centroid[1]).toBeGreaterThanOrEqual(0);
      expect(x.centroid[1]).toBeLessThanOrEqual(height);
    }
  });
  it('keys shapes by alpha-2, with the id-less ones unmapped', () => {
    const us = s.find((x) => x.alpha2 === 'US')!;
    expect(us.id).toBe('840');
    expect(s.filter((x) => !x.alpha2).map((x) => x.atlasName).sort()).toEqual(['Kosovo', 'N. Cyprus', 'Somaliland']);
  });
  it('centres a country on its largest part', () => {
    const fr = s.find((x) => x.alpha2 === 'FR')!;
    const de = s.find((x) => x.alpha2 === 'DE')!;
    // Metropolitan France is just west of Germany, not near French Guiana.
    expect(Math.abs(fr.centroid[0] - de.centroid[0])).toBeLessThan(40);
    expect(shapes()).toBe(s);
  });
});
