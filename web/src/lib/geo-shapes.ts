// The world map's shapes: world-atlas countries-110m (Natural Earth, by
// ISO 3166-1 numeric id) projected with Equal Earth into SVG paths once.
// Antarctica is left out: no mail comes from it and it takes a third of
// the height. Everything is bundled: no tiles, nothing leaves the machine.

import { geoEqualEarth, geoPath } from 'd3-geo';
import { feature } from 'topojson-client';
import type { Topology, GeometryCollection } from 'topojson-specification';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import world from 'world-atlas/countries-110m.json';
import { alpha2Of } from './geo-iso';

export const width = 960;
export const height = 470;

export interface Shape {
  /** Numeric id, undefined for the atlas's shapes without one. */
  id?: string;
  /** Alpha-2 code, undefined when unmapped. */
  alpha2?: string;
  /** The atlas's name of the shape. */
  atlasName: string;
  d: string;
  /** The centre of the shape's largest part, in the viewBox (for tooltips). */
  centroid: [number, number];
}

type Props = { name: string };

let cache: Shape[] | undefined;

/** shapes projects every country of the atlas except Antarctica (computed once). */
export function shapes(): Shape[] {
  if (cache) return cache;
  const topo = world as unknown as Topology<{ countries: GeometryCollection<Props> }>;
  const fc = feature(topo, topo.objects.countries) as FeatureCollection<Geometry, Props>;
  const land = fc.features.filter((f) => f.id !== '010');
  const projection = geoEqualEarth().fitExtent(
    [
      [6, 6],
      [width - 6, height - 6],
    ],
    { type: 'FeatureCollection', features: land },
  );
  const path = geoPath(projection);
  cache = land.map((f: Feature<Geometry, Props>) => {
    const id = f.id === undefined ? undefined : String(f.id);
    const c = path.centroid(largest(f));
    return {
      id,
      alpha2: id ? alpha2Of(id) : undefined,
      atlasName: f.properties.name,
      d: path(f) ?? '',
      centroid: [Number.isFinite(c[0]) ? c[0] : width / 2, Number.isFinite(c[1]) ? c[1] : height / 2],
    };
  });
  return cache;
}

/** largest is a feature reduced to its largest polygon (so France's centre is in France, not the Atlantic). */
function largest(f: Feature<Geometry, Props>): Feature<Geometry, Props> {
  if (f.geometry.type !== 'MultiPolygon') return f;
  let best = f.geometry.coordinates[0];
  let bestArea = -1;
  for (const poly of f.geometry.coordinates) {
    const a = ringArea(poly[0]);
    if (a > bestArea) {
      bestArea = a;
      best = poly;
    }
  }
  return { ...f, geometry: { type: 'Polygon', coordinates: best } };
}

function ringArea(ring: number[][]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += (ring[j][0] + ring[i][0]) * (ring[j][1] - ring[i][1]);
  return Math.abs(a / 2);
}
