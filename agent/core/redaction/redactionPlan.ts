// Which regions of a frame get blurred: padded faces and plates, a head region per person, without duplicates.
import { boxHeight, boxWidth, clipBox, iou, nms, padBox, type Box } from './boxes.ts';
import { PLATE_VEHICLE_LABELS } from '../detection/cocoLabels.ts';
import type { Detection, RedactedRegion } from '../detection/detection.ts';
import { cabinZones } from './cabinZone.ts';
import { blurredFaces } from './faceEvidence.ts';
import { plateZones } from './plateZone.ts';
import { vehicleCropSchema, type VehicleCropOptions } from './redactionSettings.ts';
import { planSchema, type PlanSettings } from './planSettings.ts';
import { foundHead, headAroundFace, headNeedsBlur, headRegion, headsOf } from './headRegions.ts';
import { plateAroundText, textPlates } from './textPlates.ts';

export { headRegion };

export type RedactionPlanOptions = PlanSettings;

export const DEFAULT_PLAN_OPTIONS: RedactionPlanOptions = planSchema.parse({});

/** Any part of the plan settings; nested groups may be given in part too. */
export type PlanOverrides = Partial<Omit<PlanSettings, 'plateZone' | 'cabinZone' | 'textPlate' | 'headFace' | 'headEvidence' | 'headFound' | 'faceEvidence' | 'crowdFace'>> & {
  readonly headFound?: Partial<PlanSettings['headFound']>;
  readonly faceEvidence?: Partial<PlanSettings['faceEvidence']>;
  readonly crowdFace?: Partial<PlanSettings['crowdFace']>;
  readonly headFace?: Partial<PlanSettings['headFace']>;
  readonly headEvidence?: Partial<PlanSettings['headEvidence']>;
  readonly plateZone?: Partial<PlanSettings['plateZone']>;
  readonly cabinZone?: Partial<PlanSettings['cabinZone']>;
  readonly textPlate?: Partial<PlanSettings['textPlate']>;
};

/**
 * Face scores as one face model means them: the thresholds were calibrated for that model and live with it (its
 * adapter), not here; another model scores the same face differently.
 */
export interface FaceCalibration {
  /** Lowest score the model is asked to report (weak hits only guide occupant patches). */
  readonly reportMinScore: number;
  /** A face scored at least this is blurred anywhere. */
  readonly aloneMinScore: number;
  /** From here up to aloneMinScore a face is blurred only inside a person box or a vehicle's cabin. */
  readonly supportedMinScore: number;
  /** Faces taller than plan.largeFaceFraction of the frame need this (weak giant hits are car fronts, walls). */
  readonly largeMinScore: number;
  /** Hits from here count towards occupant patches in a vehicle's window band. */
  readonly occupantCueMinScore: number;
}

export interface PlanInput {
  readonly width: number;
  readonly height: number;
  readonly faces: readonly Detection[];
  /** Plates from the whole frame and from vehicle crops, already in frame pixels. */
  readonly plates: readonly Detection[];
  /** Object detections (persons get head regions; others are ignored here). */
  readonly objects: readonly Detection[];
  /** Scene text found on vehicle crops, in frame pixels: the lines that fit a plate on their vehicle are plates. */
  readonly text?: readonly Detection[];
  /** How the face model that found `faces` scores. */
  readonly calibration: FaceCalibration;
}

/** Regions to blur, in frame pixels (whole, clipped), none contained in another. */
export function planRedaction(input: PlanInput, options: PlanOverrides = {}): RedactedRegion[] {
  const d = DEFAULT_PLAN_OPTIONS;
  const o = {
    ...d,
    ...options,
    plateZone: { ...d.plateZone, ...options.plateZone },
    cabinZone: { ...d.cabinZone, ...options.cabinZone },
    textPlate: { ...d.textPlate, ...options.textPlate },
    headFace: { ...d.headFace, ...options.headFace },
    headEvidence: { ...d.headEvidence, ...options.headEvidence },
    headFound: { ...d.headFound, ...options.headFound },
    faceEvidence: { ...d.faceEvidence, ...options.faceEvidence },
    crowdFace: { ...d.crowdFace, ...options.crowdFace },
  };
  const c = input.calibration;
  const aloneMin = o.faceAloneMinScore ?? c.aloneMinScore;
  const supportedMin = o.faceSupportedMinScore ?? c.supportedMinScore;
  const largeMin = o.largeFaceMinScore ?? c.largeMinScore;
  const regions: RedactedRegion[] = [];
  const add = (kind: RedactedRegion['kind'], box: Box, d: Detection) => {
    const clipped = clipBox(box, input.width, input.height);
    if (clipped) regions.push({ kind, box: clipped, detector: d.detector, score: d.score });
  };
  const blurred = blurredFaces(input.faces, input.objects, { widthPx: input.width, heightPx: input.height }, { aloneMin, supportedMin, largeMin }, o);
  const persons = input.objects.filter((obj) => obj.label === 'person' && obj.score >= o.personMinScore);
  const { bareHeads, standIns } = headsOf(persons, blurred, o);
  for (const f of blurred) {
    const box = standIns.has(f) ? headAroundFace(f.box, o.headFace.facePad) : padBox(f.box, o.facePad);
    add('face', atLeast(box, o.faceMinSidePx), f);
  }
  for (const p of input.plates) {
    const box = onMotorcycle(p.box, input.objects) ? squareUp(p.box) : p.box;
    add('plate', padPlate(box, o.platePad, o.platePadMinPx), p);
  }
  const evidenceMin = o.headEvidence.minScore ?? c.reportMinScore;
  const hits = input.faces.filter((f) => f.score >= evidenceMin);
  for (const obj of bareHeads) {
    const head = headRegion(obj.box, o);
    if (!headNeedsBlur(obj.box, head, hits, o.headEvidence)) continue;
    const found = foundHead(obj.box, head, blurred, o.headFound.minScore ?? aloneMin, o.headFound.maxOffsetShare, o.headFace);
    add('head-region', found ? headAroundFace(found.box, o.headFace.facePad) : head, obj);
  }
  const onVehicles = textPlates(input.text ?? [], input.objects, o.textPlate);
  for (const { text, vehicle } of onVehicles) add('plate', padPlate(plateAroundText(text.box, vehicle.box, o.textPlate), o.platePad, o.platePadMinPx), text);
  // A vehicle whose plate was read as text needs no zone for it.
  const plates = [...input.plates, ...onVehicles.map((t) => t.text)];
  for (const { vehicle, zone } of plateZones(input.objects, plates, input.height, o.plateZone)) add('plate-zone', zone, vehicle);
  const cabin = { ...o.cabinZone, cueMinScore: o.cabinZone.cueMinScore ?? c.occupantCueMinScore };
  for (const { vehicle, zone } of cabinZones(input.objects, input.faces, input.height, cabin, { maxFaceM: o.faceEvidence.occupantMaxFaceM, frameWidthPx: input.width })) add('cabin-zone', zone, vehicle);
  return dedupe(regions);
}

/** The box grown around its centre to at least `sidePx` wide and high. */
function atLeast(b: Box, sidePx: number): Box {
  const dx = Math.max(0, sidePx - boxWidth(b)) / 2;
  const dy = Math.max(0, sidePx - boxHeight(b)) / 2;
  return { x1: b.x1 - dx, y1: b.y1 - dy, x2: b.x2 + dx, y2: b.y2 + dy };
}

/** True when the plate's centre lies in a motorcycle box. */
function onMotorcycle(plate: Box, objects: readonly Detection[]): boolean {
  const cx = (plate.x1 + plate.x2) / 2;
  const cy = (plate.y1 + plate.y2) / 2;
  return objects.some((d) => d.label === 'motorcycle' && cx >= d.box.x1 && cx <= d.box.x2 && cy >= d.box.y1 && cy <= d.box.y2);
}

/**
 * A motorcycle's plate is about as tall as wide (two rows), where the plate model, trained on car plates, boxes only
 * a wide strip of it: the box grows upwards to a square, keeping its bottom edge.
 */
function squareUp(b: Box): Box {
  return { ...b, y1: Math.min(b.y1, b.y2 - boxWidth(b)) };
}

function padPlate(b: Box, fraction: number, minPx: number): Box {
  const dx = Math.max(minPx, boxWidth(b) * fraction);
  const dy = Math.max(minPx, boxHeight(b) * fraction);
  return { x1: b.x1 - dx, y1: b.y1 - dy, x2: b.x2 + dx, y2: b.y2 + dy };
}

function contains(outer: Box, inner: Box): boolean {
  return outer.x1 <= inner.x1 && outer.y1 <= inner.y1 && outer.x2 >= inner.x2 && outer.y2 >= inner.y2;
}

/**
 * Drops regions wholly inside another one (blurring them again changes nothing). Partial overlaps are kept:
 * merging would blur pixels no detector asked for, and each box alone must cover what it found.
 */
function dedupe(regions: readonly RedactedRegion[]): RedactedRegion[] {
  // Largest first, so a contained region always meets its container before itself.
  const sorted = [...regions].sort((a, b) => area(b.box) - area(a.box) || b.score - a.score);
  const kept: RedactedRegion[] = [];
  for (const r of sorted) {
    if (!kept.some((k) => contains(k.box, r.box))) kept.push(r);
  }
  return kept;
}

function area(b: Box): number {
  return boxWidth(b) * boxHeight(b);
}

export type { VehicleCropOptions };

export const DEFAULT_VEHICLE_CROP_OPTIONS: VehicleCropOptions = vehicleCropSchema.parse({});

/** Regions of the frame to search again for plates at closer range: one per car, bus, truck or motorcycle. */
export function vehicleCrops(
  objects: readonly Detection[],
  width: number,
  height: number,
  options: Partial<VehicleCropOptions> = {},
): Box[] {
  const o = { ...DEFAULT_VEHICLE_CROP_OPTIONS, ...options };
  const boxes = objects
    .filter((d) => PLATE_VEHICLE_LABELS.includes(d.label) && boxHeight(d.box) >= o.minHeightPx)
    .map((d) => clipBox(padBox(d.box, o.enlarge), width, height))
    .filter((b): b is Box => b !== null)
    .sort((a, b) => area(b) - area(a));
  // A truck and a car box on the same vehicle: search the larger one only.
  const kept: Box[] = [];
  for (const b of boxes) if (!kept.some((k) => contains(k, b) || iou(k, b) > 0.7)) kept.push(b);
  return mergeNeighbours(kept, o).slice(0, o.maxCrops);
}

/**
 * Neighbouring small vehicles (a row of parked cars, a car behind another) share one crop when together they still
 * fit the plate model's 320-px input unshrunk and the joint crop adds little frame the two did not already hold: one
 * model call instead of two, at the same scale for both plates. Each crop's box stays inside the joint one.
 */
function mergeNeighbours(crops: readonly Box[], o: VehicleCropOptions): Box[] {
  const out = [...crops];
  for (let i = 0; i < out.length; i++) {
    for (let j = i + 1; j < out.length; j++) {
      const a = out[i]!;
      const b = out[j]!;
      const joint = { x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1), x2: Math.max(a.x2, b.x2), y2: Math.max(a.y2, b.y2) };
      const fits = Math.max(boxWidth(joint), boxHeight(joint)) <= o.mergeMaxSidePx;
      if (fits && area(joint) <= o.mergeMaxAreaGrowth * (area(a) + area(b))) {
        out[i] = joint;
        out.splice(j, 1);
        j = i; // the grown crop may now take in one passed over before
      }
    }
  }
  return out;
}

/** Labels whose boxes feed the redaction cascades (head regions, plate searches). */
export const CASCADE_LABELS: readonly string[] = ['person', ...PLATE_VEHICLE_LABELS];

/**
 * Joins persons and vehicles found by several passes (whole frame, tiles): the same object seen twice keeps its
 * best-scored box (same label, IoU above `iouThreshold`).
 */
export function mergeCascadeObjects(lists: readonly (readonly Detection[])[], iouThreshold = 0.6): Detection[] {
  const byLabel = new Map<string, Detection[]>();
  for (const list of lists) {
    for (const d of list) {
      if (!CASCADE_LABELS.includes(d.label)) continue;
      const group = byLabel.get(d.label) ?? [];
      group.push(d);
      byLabel.set(d.label, group);
    }
  }
  return [...byLabel.values()].flatMap((group) => nms(group, iouThreshold));
}
