// Where a plate sits on a vehicle no detector found a plate on: a band across the lower part of a small, far vehicle.
import { boxHeight, boxWidth, type Box } from './boxes.ts';
import { PLATE_VEHICLE_LABELS } from '../detection/cocoLabels.ts';
import type { Detection } from '../detection/detection.ts';
import { plateZoneSchema, type PlateZoneOptions } from './planSettings.ts';

export type { PlateZoneOptions };

export const DEFAULT_PLATE_ZONE_OPTIONS: PlateZoneOptions = plateZoneSchema.parse({});

/** The plate zone of each small vehicle whose box holds no found plate (a plate's centre inside the box). */
export function plateZones(
  objects: readonly Detection[],
  plates: readonly Detection[],
  frameHeightPx: number,
  options: Partial<PlateZoneOptions> = {},
): { vehicle: Detection; zone: Box }[] {
  const o = { ...DEFAULT_PLATE_ZONE_OPTIONS, ...options };
  if (o.maxVehicleHeightShare <= 0) return [];
  const maxPx = o.maxVehicleHeightShare * frameHeightPx;
  const midMaxPx = o.midMaxVehicleHeightShare * frameHeightPx;
  const zones: { vehicle: Detection; zone: Box }[] = [];
  for (const v of objects) {
    if (!PLATE_VEHICLE_LABELS.includes(v.label) || v.score < o.minVehicleScore) continue;
    const h = boxHeight(v.box);
    const w = boxWidth(v.box);
    const motorcycle = v.label === 'motorcycle' && o.motorcycleBandTop > 0;
    const mid = !motorcycle && h > maxPx && h <= midMaxPx && w >= o.midMinAspect * h && w <= o.midMaxAspect * h;
    if (h <= 0 || (h > maxPx && !motorcycle && !mid)) continue;
    if (plates.some((p) => centreInside(p.box, v.box))) continue;
    if (motorcycle && h > maxPx) {
      zones.push({ vehicle: v, zone: { x1: v.box.x1, x2: v.box.x2, y1: v.box.y1 + o.motorcycleBandTop * h, y2: v.box.y2 } });
      continue;
    }
    if (mid) {
      zones.push({ vehicle: v, zone: { x1: v.box.x1, x2: v.box.x2, y1: v.box.y1 + o.midBandTop * h, y2: v.box.y1 + o.midBandBottom * h } });
      continue;
    }
    // Seen from behind or ahead (about as wide as high) the plate sits in the middle; side-on, at an end.
    const inset = w <= o.rearMaxAspect * h ? o.rearInsetX : o.insetX;
    zones.push({
      vehicle: v,
      zone: { x1: v.box.x1 + inset * w, x2: v.box.x2 - inset * w, y1: v.box.y1 + o.bandTop * h, y2: v.box.y1 + o.bandBottom * h },
    });
  }
  return zones;
}

function centreInside(inner: Box, outer: Box): boolean {
  const cx = (inner.x1 + inner.x2) / 2;
  const cy = (inner.y1 + inner.y2) / 2;
  return cx >= outer.x1 && cx <= outer.x2 && cy >= outer.y1 && cy <= outer.y2;
}
