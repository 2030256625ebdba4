// Where drivers and passengers sit: the window band of a near vehicle. From a moving vehicle, faces behind a
// windscreen or side window are dim, reflected and cut by frames and pillars; the face model scores most of them
// far below what it would trust elsewhere, yet a person at a glance may still recognise them. Inside the window band
// even such a weak hit marks where an occupant sits, so a patch the size of an occupant's face is blurred around it.
// Blurring the whole band instead finds every occupant but costs far more of the picture (options below).
import { boxHeight, boxWidth, type Box } from './boxes.ts';
import type { Detection } from '../detection/detection.ts';
import { fitsOccupant } from './faceEvidence.ts';
import { cabinZoneSchema, type CabinZoneOptions } from './planSettings.ts';

export type { CabinZoneOptions };

export const DEFAULT_CABIN_ZONE_OPTIONS: CabinZoneOptions = cabinZoneSchema.parse({});

interface Cabin {
  readonly vehicle: Detection;
  readonly zone: Box;
}

/** The window band of each near vehicle. */
export function cabinBands(objects: readonly Detection[], frameHeightPx: number, options: Partial<CabinZoneOptions> = {}): Cabin[] {
  const o = { ...DEFAULT_CABIN_ZONE_OPTIONS, ...options };
  if (o.minVehicleHeightShare <= 0) return [];
  const minPx = o.minVehicleHeightShare * frameHeightPx;
  const zones: Cabin[] = [];
  for (const v of objects) {
    if (!o.labels.includes(v.label) || v.score < o.minVehicleScore) continue;
    const h = boxHeight(v.box);
    if (h < minPx) continue;
    if (o.maxAspect > 0 && boxWidth(v.box) > o.maxAspect * h) continue;
    zones.push({ vehicle: v, zone: { x1: v.box.x1, x2: v.box.x2, y1: v.box.y1 + o.bandTop * h, y2: v.box.y1 + o.bandBottom * h } });
  }
  return zones;
}

/**
 * What to blur for occupants: the whole band of each near vehicle (`wholeBand`), or an occupant patch around each
 * face hit scored at least `cueMinScore` centred in a band, kept inside that vehicle's box. Hits larger than an
 * occupant's face can be in that vehicle (`occupant.maxFaceM`, see fitsOccupant; 0: any size) are no cue.
 */
export function cabinZones(
  objects: readonly Detection[],
  faces: readonly Detection[],
  frameHeightPx: number,
  options: Partial<CabinZoneOptions> = {},
  occupant: { readonly maxFaceM: number; readonly frameWidthPx: number } = { maxFaceM: 0, frameWidthPx: 0 },
): Cabin[] {
  const o = { ...DEFAULT_CABIN_ZONE_OPTIONS, ...options };
  const bands = cabinBands(objects, frameHeightPx, o);
  if (o.wholeBand) return bands;
  // No cue score: the face model's calibration decides it (redactionPlan.ts passes it in); none, no patches.
  const cueMinScore = o.cueMinScore ?? 0;
  if (cueMinScore <= 0) return [];
  const zones: Cabin[] = [];
  for (const { vehicle, zone } of bands) {
    if (o.maxVehicleFrameFraction > 0 && boxHeight(vehicle.box) > o.maxVehicleFrameFraction * frameHeightPx) continue;
    const sidePx = o.cueSideFraction * boxHeight(vehicle.box);
    const frame = { widthPx: occupant.frameWidthPx, heightPx: frameHeightPx };
    // Only hits an occupant's face could make in this vehicle (faceEvidence.ts: larger ones are its lights, its rear window).
    const hits = faces.filter((f) => f.score >= cueMinScore && fitsOccupant(f.box, vehicle, occupant.maxFaceM, frame));
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
