// Where drivers and passengers sit: the window band of a near vehicle. From a moving vehicle, faces behind a
// windscreen or side window are dim, reflected and cut by frames and pillars; the face model scores most of them
// far below what it would trust elsewhere, yet a person at a glance may still recognise them. Inside the window band
// even such a weak hit marks where an occupant sits, so a patch the size of an occupant's face is blurred around it.
// Blurring the whole band instead finds every occupant but costs far more of the picture (options below).
import { boxHeight, boxWidth, type Box } from './boxes.ts';
import type { Detection } from '../detection/detection.ts';

export interface CabinZoneOptions {
  /**
   * Vehicles at least this high (frame pixels) get a cabin zone: from there on an occupant's face is 20 px or more.
   * 0 turns the rule off.
   */
  readonly minVehicleHeightPx: number;
  /** Vehicles higher than this get none (0 = no limit): a vehicle filling the frame makes a band of its whole side. */
  readonly maxVehicleHeightPx: number;
  /**
   * Vehicles taller than this share of the frame get no occupant patches (0 = no limit): from a street vehicle's
   * camera that is a vehicle closer than a car length, whose whole window band is a large share of the picture, and
   * where glare and reflections draw weak hits all over it (openalpr close-ups: over-blur 4.0 % → 8.3 % without it).
   */
  readonly maxVehicleFrameFraction: number;
  /** Vehicles below this score get none (a false vehicle costs a blurred patch of street). */
  readonly minVehicleScore: number;
  /** Top and bottom of the band as shares of the vehicle's height, from its top (windows, any view). */
  readonly bandTop: number;
  readonly bandBottom: number;
  /** Boxes wider than this for their height get none: not one vehicle but the camera's own bonnet or a row of cars. */
  readonly maxAspect: number;
  /** Labels that carry occupants behind glass. */
  readonly labels: readonly string[];
  /** Blur the whole band of each such vehicle (every occupant, at a high cost in blurred car and street). */
  readonly wholeBand: boolean;
  /**
   * Face hits scored at least this, centred in the band, get an occupant patch (0 = none). The face model reports
   * hits down to its own threshold (onnxRedactor `faceScoreThreshold`), so this takes effect only above it.
   */
  readonly cueMinScore: number;
  /**
   * Side of an occupant patch as a share of the vehicle's height: an occupant's face is 7–18 % of the height of the
   * car, bus or truck around it, and the weak hit is often only an eye or a cheek of it.
   */
  readonly cueSideFraction: number;
  /**
   * The scores of all hits (≥ cueMinScore) centred in an occupant patch must add up to this: a real face behind glass
   * draws several overlapping weak hits (the whole frame and the horizon band, face and half-face), a reflection or
   * a badge mostly one.
   */
  readonly cueMinScoreSum: number;
  /**
   * At most this many occupant patches per vehicle, the best first (highest sum of hit scores, not overlapping):
   * occupants are few and each draws a cluster of hits, while glare, foliage reflected in the glass or a grille
   * scatter single hits across the whole band.
   */
  readonly cueMaxPerVehicle: number;
}

export const DEFAULT_CABIN_ZONE_OPTIONS: CabinZoneOptions = {
  minVehicleHeightPx: 120,
  maxVehicleHeightPx: 0,
  maxVehicleFrameFraction: 0.6,
  minVehicleScore: 0.4,
  bandTop: 0.05,
  bandBottom: 0.45,
  maxAspect: 2.5,
  labels: ['car', 'bus', 'truck'],
  wholeBand: false,
  cueMinScore: 0.05,
  cueSideFraction: 0.2,
  cueMinScoreSum: 0.25,
  cueMaxPerVehicle: 3,
};

interface Cabin {
  readonly vehicle: Detection;
  readonly zone: Box;
}

/** The window band of each near vehicle. */
export function cabinBands(objects: readonly Detection[], options: Partial<CabinZoneOptions> = {}): Cabin[] {
  const o = { ...DEFAULT_CABIN_ZONE_OPTIONS, ...options };
  if (o.minVehicleHeightPx <= 0) return [];
  const zones: Cabin[] = [];
  for (const v of objects) {
    if (!o.labels.includes(v.label) || v.score < o.minVehicleScore) continue;
    const h = boxHeight(v.box);
    if (h < o.minVehicleHeightPx || (o.maxVehicleHeightPx > 0 && h > o.maxVehicleHeightPx)) continue;
    if (o.maxAspect > 0 && boxWidth(v.box) > o.maxAspect * h) continue;
    zones.push({ vehicle: v, zone: { x1: v.box.x1, x2: v.box.x2, y1: v.box.y1 + o.bandTop * h, y2: v.box.y1 + o.bandBottom * h } });
  }
  return zones;
}

/**
 * What to blur for occupants: the whole band of each near vehicle (`wholeBand`), or an occupant patch around each
 * face hit scored at least `cueMinScore` centred in a band, kept inside that vehicle's box.
 */
export function cabinZones(
  objects: readonly Detection[],
  faces: readonly Detection[],
  frameHeightPx: number,
  options: Partial<CabinZoneOptions> = {},
): Cabin[] {
  const o = { ...DEFAULT_CABIN_ZONE_OPTIONS, ...options };
  const bands = cabinBands(objects, o);
  if (o.wholeBand) return bands;
  if (o.cueMinScore <= 0) return [];
  const zones: Cabin[] = [];
  for (const { vehicle, zone } of bands) {
    if (o.maxVehicleFrameFraction > 0 && boxHeight(vehicle.box) > o.maxVehicleFrameFraction * frameHeightPx) continue;
    const sidePx = o.cueSideFraction * boxHeight(vehicle.box);
    const hits = faces.filter((f) => f.score >= o.cueMinScore);
    const candidates = hits
      .filter((f) => centreIn(f.box, zone))
      .map((f) => {
        const patch = grownTo(f.box, sidePx);
        const box = { x1: Math.max(patch.x1, vehicle.box.x1), x2: Math.min(patch.x2, vehicle.box.x2), y1: Math.max(patch.y1, vehicle.box.y1), y2: patch.y2 };
        return { box, sum: hits.reduce((a, h) => a + (centreIn(h.box, box) ? h.score : 0), 0) };
      })
      .filter((c) => c.sum >= o.cueMinScoreSum)
      .sort((a, b) => b.sum - a.sum);
    const chosen: Box[] = [];
    for (const c of candidates) {
      if (chosen.length >= o.cueMaxPerVehicle) break;
      if (chosen.some((k) => overlaps(k, c.box))) continue;
      chosen.push(c.box);
    }
    zones.push(...chosen.map((zone) => ({ vehicle, zone })));
  }
  return zones;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
}

function centreIn(b: Box, zone: Box): boolean {
  const cx = (b.x1 + b.x2) / 2;
  const cy = (b.y1 + b.y2) / 2;
  return cx >= zone.x1 && cx <= zone.x2 && cy >= zone.y1 && cy <= zone.y2;
}

/** The box grown around its centre to at least `sidePx` wide and high. */
function grownTo(b: Box, sidePx: number): Box {
  const dx = Math.max(0, sidePx - boxWidth(b)) / 2;
  const dy = Math.max(0, sidePx - boxHeight(b)) / 2;
  return { x1: b.x1 - dx, y1: b.y1 - dy, x2: b.x2 + dx, y2: b.y2 + dy };
}
