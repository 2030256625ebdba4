// Where a plate sits on a vehicle no detector found a plate on: a band across the lower part of a small, far vehicle.
import { boxHeight, boxWidth, type Box } from './boxes.ts';
import { PLATE_VEHICLE_LABELS } from '../detection/cocoLabels.ts';
import type { Detection } from '../detection/detection.ts';

export interface PlateZoneOptions {
  /**
   * Vehicles at most this high (frame pixels) get a plate zone when no plate was found on them. Beyond it the plate
   * is large enough for the plate model to find on the vehicle crop, and a band would blur a lot of car for nothing.
   * 0 turns the fallback off.
   */
  readonly maxVehicleHeightPx: number;
  /** Vehicles below this score get none (a false vehicle costs a blurred patch of street). */
  readonly minVehicleScore: number;
  /** Top and bottom of the band as shares of the vehicle's height, from its top. */
  readonly bandTop: number;
  readonly bandBottom: number;
  /** Left and right inset of the band as a share of the vehicle's width (plates of side-on cars sit at the ends). */
  readonly insetX: number;
  /**
   * Motorcycles of any size get a zone from this share of their height to the bottom: their plate is small, low
   * and often under the rider's legs or bag, where the plate model fails even close up. 0 turns it off.
   */
  readonly motorcycleBandTop: number;
  /**
   * Cars, buses and trucks above maxVehicleHeightPx up to this high (0 = none) seen at an angle get a lower zone when
   * no plate was found: rows `midBandTop`–`midBandBottom`, where a mid-distance vehicle's plate sits from front, rear
   * or at an angle. The plate model finds most plates this size, so the zone catches the few it does not.
   */
  readonly midMaxVehicleHeightPx: number;
  readonly midBandTop: number;
  readonly midBandBottom: number;
  /**
   * Only vehicle boxes at least this wide for their height get a mid-size zone: seen at an angle, the plate is
   * foreshortened and the plate model, trained on plates seen square on, misses it; square on, it finds them.
   */
  readonly midMinAspect: number;
  /** Nor boxes wider than this for their height: not one vehicle but the camera's own bonnet or a row of cars. */
  readonly midMaxAspect: number;
}

export const DEFAULT_PLATE_ZONE_OPTIONS: PlateZoneOptions = {
  maxVehicleHeightPx: 180,
  minVehicleScore: 0.4,
  bandTop: 0.45,
  bandBottom: 0.92,
  insetX: 0,
  motorcycleBandTop: 0.55,
  midMaxVehicleHeightPx: 280,
  midBandTop: 0.45,
  midBandBottom: 0.75,
  midMinAspect: 1.5,
  midMaxAspect: 2.5,
};

/** The plate zone of each small vehicle whose box holds no found plate (a plate's centre inside the box). */
export function plateZones(
  objects: readonly Detection[],
  plates: readonly Detection[],
  options: Partial<PlateZoneOptions> = {},
): { vehicle: Detection; zone: Box }[] {
  const o = { ...DEFAULT_PLATE_ZONE_OPTIONS, ...options };
  if (o.maxVehicleHeightPx <= 0) return [];
  const zones: { vehicle: Detection; zone: Box }[] = [];
  for (const v of objects) {
    if (!PLATE_VEHICLE_LABELS.includes(v.label) || v.score < o.minVehicleScore) continue;
    const h = boxHeight(v.box);
    const w = boxWidth(v.box);
    const motorcycle = v.label === 'motorcycle' && o.motorcycleBandTop > 0;
    const mid = !motorcycle && h > o.maxVehicleHeightPx && h <= o.midMaxVehicleHeightPx && w >= o.midMinAspect * h && w <= o.midMaxAspect * h;
    if (h <= 0 || (h > o.maxVehicleHeightPx && !motorcycle && !mid)) continue;
    if (plates.some((p) => centreInside(p.box, v.box))) continue;
    if (motorcycle && h > o.maxVehicleHeightPx) {
      zones.push({ vehicle: v, zone: { x1: v.box.x1, x2: v.box.x2, y1: v.box.y1 + o.motorcycleBandTop * h, y2: v.box.y2 } });
      continue;
    }
    if (mid) {
      zones.push({ vehicle: v, zone: { x1: v.box.x1, x2: v.box.x2, y1: v.box.y1 + o.midBandTop * h, y2: v.box.y1 + o.midBandBottom * h } });
      continue;
    }
    zones.push({
      vehicle: v,
      zone: { x1: v.box.x1 + o.insetX * w, x2: v.box.x2 - o.insetX * w, y1: v.box.y1 + o.bandTop * h, y2: v.box.y1 + o.bandBottom * h },
    });
  }
  return zones;
}

function centreInside(inner: Box, outer: Box): boolean {
  const cx = (inner.x1 + inner.x2) / 2;
  const cy = (inner.y1 + inner.y2) / 2;
  return cx >= outer.x1 && cx <= outer.x2 && cy >= outer.y1 && cy <= outer.y2;
}
