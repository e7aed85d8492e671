import { describe, expect, it } from 'vitest';
import world from 'world-atlas/countries-110m.json';
import { alpha2Of, countries, isoName, numericOf, unmapped, unmappedFeatures } from './geo-iso';

interface Geometry {
  id?: string;
  properties: { name: string };
}
const geometries = (world as unknown as { objects: { countries: { geometries: Geometry[] } } }).objects.countries.geometries;

describe('geo-iso', () => {
  it('lists every ISO 3166-1 country once', () => {
    expect(countries).toHaveLength(249);
    expect(new Set(countries.map((c) => c.alpha2)).size).toBe(249);
    expect(new Set(countries.map((c) => c.numeric)).size).toBe(249);
    for (const c of countries) {
      expect(c.alpha2).toMatch(/^[A-Z]{2}$/);
      expect(c.numeric).toMatch(/^\d{3}$/);
      expect(c.name.length).toBeGreaterThan(2);
    }
  });

  it('maps every feature id of countries-110m.json back to an alpha-2', () => {
    const missing = geometries.filter((g) => g.id !== undefined && !alpha2Of(g.id)).map((g) => `${g.id} ${g.properties.name}`);
    expect(missing).toEqual([]);
    // Round trip.
    for (const g of geometries) if (g.id) expect(numericOf(alpha2Of(g.id)!)).toBe(g.id);
  });

  it('names the atlas features without an id as unmapped', () => {
    const noId = geometries.filter((g) => g.id === undefined).map((g) => g.properties.name);
    expect(noId.sort()).toEqual([...unmappedFeatures].sort());
    expect(numericOf('XK')).toBeUndefined();
    expect(unmapped.XK).toBe('Kosovo');
  });

  it('converts both ways and names', () => {
    expect(numericOf('us')).toBe('840');
    expect(alpha2Of('840')).toBe('US');
    expect(alpha2Of(36)).toBe('AU');
    expect(alpha2Of('36')).toBe('AU');
    expect(isoName('US')).toBe('United States');
    expect(isoName('XK')).toBe('Kosovo');
    expect(isoName('CI')).toBe("Côte d'Ivoire");
    expect(isoName('ZZ')).toBe('ZZ');
  });
});
