// The area of a task: its GeoJSON schema, and the checks a schema cannot express (ring geometry, size on the earth).
import { z } from 'zod';
import { areaKm2, countVertices, findRingProblems, MAX_AREA_VERTICES, type PolygonRings } from '../geo/areaChecks.ts';
import type { FieldError } from './task.ts';

const lonLat = z
  .tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)], {
    error: 'a position is [longitude, latitude] in degrees (RFC 7946 order)',
  })
  .rest(z.number());

const ring = z
  .array(lonLat)
  .min(4, 'a linear ring needs at least 4 positions')
  .refine((r) => r[0]![0] === r[r.length - 1]![0] && r[0]![1] === r[r.length - 1]![1], {
    message: 'a linear ring must be closed: its last position must equal its first',
  });

const polygon = z.strictObject({
  type: z.literal('Polygon'),
  coordinates: z.array(ring).min(1, 'a polygon needs an outer ring'),
});

const multiPolygon = z.strictObject({
  type: z.literal('MultiPolygon'),
  coordinates: z.array(z.array(ring).min(1, 'a polygon needs an outer ring')).min(1),
});

export const areaSchema = z
  .discriminatedUnion('type', [polygon, multiPolygon])
  .superRefine((value, ctx) => {
    // Cheap, and needed before anything walks the rings: the vertex budget.
    const vertices = countVertices(polygonsOf(value));
    if (vertices > MAX_AREA_VERTICES) {
      ctx.addIssue({ code: 'custom', message: `the area has ${vertices} positions; at most ${MAX_AREA_VERTICES} are allowed` });
    }
  });

export type TaskArea = z.infer<typeof areaSchema>;

export function polygonsOf(area: TaskArea): PolygonRings[] {
  return area.type === 'Polygon' ? [area.coordinates] : area.coordinates;
}

/**
 * Errors of an area that passed the schema: rings that cross, holes outside their ring or overlapping (path below
 * `area`), or more than `maxAreaKm2` covered. The costly part of checking a task: O(n log n) in its vertices.
 */
export function areaErrors(area: TaskArea, maxAreaKm2: number): FieldError[] {
  const polygons = polygonsOf(area);
  const problems = findRingProblems(polygons);
  if (problems.length > 0) {
    return problems.map((problem) => ({
      path: ['area', 'coordinates', ...(area.type === 'Polygon' ? problem.path.slice(1) : problem.path)].join('.'),
      message: problem.message,
    }));
  }
  const km2 = areaKm2(polygons);
  if (km2 > maxAreaKm2) return [{ path: 'area', message: `the area covers ${km2.toFixed(2)} km²; at most ${maxAreaKm2} km² per task` }];
  return [];
}
