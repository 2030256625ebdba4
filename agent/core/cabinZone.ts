// Where drivers and passengers sit: the window band of a near vehicle. From a moving vehicle, faces behind a
// windscreen or side window are dim, reflected and cut by frames and pillars; the face model misses most of them,
// yet a person at a glance may still recognise them. A near vehicle's window band is blurred as a whole.
import { boxHeight, type Box } from './boxes.ts';
import type { Detection } from '../ports/detector.ts';

export interface CabinZoneOptions {
  /**
   * Vehicles at least this high (frame pixels) get a cabin zone: from there on an occupant's face is 20 px or more.
   * 0 turns the rule off.
   */
  readonly minVehicleHeightPx: number;
  /** Vehicles higher than this get none (0 = no limit): a vehicle filling the frame makes a band of its whole side. */
  readonly maxVehicleHeightPx: number;
  /** Vehicles below this score get none (a false vehicle costs a blurred patch of street). */
  readonly minVehicleScore: number;
  /** Top and bottom of the band as shares of the vehicle's height, from its top (windows, any view). */
  readonly bandTop: number;
  readonly bandBottom: number;
  /** Labels that carry occupants behind glass. */
  readonly labels: readonly string[];
}

export const DEFAULT_CABIN_ZONE_OPTIONS: CabinZoneOptions = {
  minVehicleHeightPx: 0,
  maxVehicleHeightPx: 0,
  minVehicleScore: 0.4,
  bandTop: 0.05,
  bandBottom: 0.45,
  labels: ['car', 'bus', 'truck'],
};

/** The window band of each near vehicle. */
export function cabinZones(objects: readonly Detection[], options: Partial<CabinZoneOptions> = {}): { vehicle: Detection; zone: Box }[] {
  const o = { ...DEFAULT_CABIN_ZONE_OPTIONS, ...options };
  if (o.minVehicleHeightPx <= 0) return [];
  const zones: { vehicle: Detection; zone: Box }[] = [];
  for (const v of objects) {
    if (!o.labels.includes(v.label) || v.score < o.minVehicleScore) continue;
    const h = boxHeight(v.box);
    if (h < o.minVehicleHeightPx || (o.maxVehicleHeightPx > 0 && h > o.maxVehicleHeightPx)) continue;
    zones.push({ vehicle: v, zone: { x1: v.box.x1, x2: v.box.x2, y1: v.box.y1 + o.bandTop * h, y2: v.box.y1 + o.bandBottom * h } });
  }
  return zones;
}
