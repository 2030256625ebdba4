// Which regions of a frame get blurred: padded faces and plates, a head region per person, without duplicates.
import { boxHeight, boxWidth, clipBox, iou, nms, padBox, type Box } from './boxes.ts';
import { PLATE_VEHICLE_LABELS } from '../detection/cocoLabels.ts';
import type { Detection, RedactedRegion } from '../detection/detection.ts';
import { cabinZones, type CabinZoneOptions } from './cabinZone.ts';
import { plateZones, type PlateZoneOptions } from './plateZone.ts';

export interface RedactionPlanOptions {
  /** Each face grows by this fraction of its size on every side (detectors box the inner face, not hair/ears). */
  readonly facePad: number;
  /**
   * A padded face smaller than this on a side is grown to it around its centre: a blur kept inside a few pixels
   * leaves the face's outline at the patch edge, and far faces' boxes are only roughly placed.
   */
  readonly faceMinSidePx: number;
  /** Each plate grows by this fraction of its width/height, plus at least platePadMinPx. */
  readonly platePad: number;
  readonly platePadMinPx: number;
  /** Share of a standing person's box height, from its top, that holds the head. */
  readonly headFraction: number;
  /** Same for a box that is not much taller than wide (sitting, cut off by the frame edge): the head takes more. */
  readonly headFractionSquat: number;
  /** Margin added left and right of the head region, as a share of the person's width. */
  readonly headMarginX: number;
  /** Margin added above the person box, as a share of its height (a box's top edge often cuts through the hair). */
  readonly headMarginTop: number;
  /** Persons below this score get no head region. */
  readonly personMinScore: number;
  /**
   * A face scored below this is blurred only where a face is expected: its centre inside a person box or in the upper
   * part of a vehicle box (drivers and passengers behind the windscreen). Weak hits elsewhere are mostly texture.
   */
  readonly faceAloneMinScore: number;
  /**
   * Faces below this (and below faceAloneMinScore) are not blurred as faces even where faces are expected: from the
   * face model's threshold up to here they only mark occupants behind glass (cabin zones).
   */
  readonly faceSupportedMinScore: number;
  /** Share of a vehicle box's height, from its top, where a weak face counts as supported (the windows). */
  readonly vehicleCabinFraction: number;
  /** Plate zones of small vehicles on which no plate was found (see plateZone.ts). */
  readonly plateZone: Partial<PlateZoneOptions>;
  /** Window bands of near vehicles, where occupants' faces are (see cabinZone.ts). */
  readonly cabinZone: Partial<CabinZoneOptions>;
  /**
   * A face taller than this share of the frame's height needs `largeFaceMinScore`: from a street vehicle a face that
   * large is a person at arm's length, whom the model scores high; weak hits that large are car fronts and walls.
   */
  readonly largeFaceFraction: number;
  readonly largeFaceMinScore: number;
}

export const DEFAULT_PLAN_OPTIONS: RedactionPlanOptions = {
  facePad: 0.3,
  faceMinSidePx: 20,
  platePad: 0.15,
  platePadMinPx: 3,
  headFraction: 0.24,
  headFractionSquat: 0.4,
  headMarginX: 0.1,
  headMarginTop: 0.1,
  personMinScore: 0,
  faceAloneMinScore: 0.3,
  faceSupportedMinScore: 0.15,
  vehicleCabinFraction: 0.6,
  plateZone: {},
  cabinZone: {},
  largeFaceFraction: 0.25,
  largeFaceMinScore: 0.6,
};

export interface PlanInput {
  readonly width: number;
  readonly height: number;
  readonly faces: readonly Detection[];
  /** Plates from the whole frame and from vehicle crops, already in frame pixels. */
  readonly plates: readonly Detection[];
  /** Object detections (persons get head regions; others are ignored here). */
  readonly objects: readonly Detection[];
}

/** Regions to blur, in frame pixels (whole, clipped), none contained in another. */
export function planRedaction(input: PlanInput, options: Partial<RedactionPlanOptions> = {}): RedactedRegion[] {
  const o = { ...DEFAULT_PLAN_OPTIONS, ...options };
  const regions: RedactedRegion[] = [];
  const add = (kind: RedactedRegion['kind'], box: Box, d: Detection) => {
    const clipped = clipBox(box, input.width, input.height);
    if (clipped) regions.push({ kind, box: clipped, detector: d.detector, score: d.score });
  };
  for (const f of input.faces) {
    if (boxHeight(f.box) > o.largeFaceFraction * input.height && f.score < o.largeFaceMinScore) continue;
    const supported = f.score >= o.faceSupportedMinScore && faceSupported(f.box, input.objects, o.vehicleCabinFraction);
    if (f.score >= o.faceAloneMinScore || supported) {
      add('face', atLeast(padBox(f.box, o.facePad), o.faceMinSidePx), f);
    }
  }
  for (const p of input.plates) {
    const box = onMotorcycle(p.box, input.objects) ? squareUp(p.box) : p.box;
    add('plate', padPlate(box, o.platePad, o.platePadMinPx), p);
  }
  for (const obj of input.objects) {
    if (obj.label === 'person' && obj.score >= o.personMinScore) add('head-region', headRegion(obj.box, o), obj);
  }
  for (const { vehicle, zone } of plateZones(input.objects, input.plates, o.plateZone)) add('plate-zone', zone, vehicle);
  for (const { vehicle, zone } of cabinZones(input.objects, input.faces, input.height, o.cabinZone)) add('cabin-zone', zone, vehicle);
  return dedupe(regions);
}

/** The top of a person box, widened: where the head is even when the face is small, blurred or turned away. */
export function headRegion(person: Box, o: Pick<RedactionPlanOptions, 'headFraction' | 'headFractionSquat' | 'headMarginX' | 'headMarginTop'>): Box {
  const w = boxWidth(person);
  const h = boxHeight(person);
  const fraction = h < 1.8 * w ? o.headFractionSquat : o.headFraction;
  return {
    x1: person.x1 - o.headMarginX * w,
    x2: person.x2 + o.headMarginX * w,
    y1: person.y1 - o.headMarginTop * h,
    y2: person.y1 + fraction * h,
  };
}

/** True when the face's centre lies in a person box or in the cabin (upper part) of a vehicle box. */
function faceSupported(face: Box, objects: readonly Detection[], cabinFraction: number): boolean {
  const cx = (face.x1 + face.x2) / 2;
  const cy = (face.y1 + face.y2) / 2;
  return objects.some((d) => {
    const b = d.box;
    if (cx < b.x1 || cx > b.x2 || cy < b.y1) return false;
    if (d.label === 'person') return cy <= b.y2;
    return PLATE_VEHICLE_LABELS.includes(d.label) && cy <= b.y1 + cabinFraction * boxHeight(b);
  });
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

export interface VehicleCropOptions {
  /** Each vehicle box grows by this fraction on every side (plates sit on the box edge). */
  readonly enlarge: number;
  /** Vehicles shorter than this carry no plate anyone could read. */
  readonly minHeightPx: number;
  /** Upper bound on crops per frame, largest vehicles first, to bound the time per frame. */
  readonly maxCrops: number;
  /** Two crops become one when the joint crop's long side is at most this (frame px; 0 = never)… */
  readonly mergeMaxSidePx: number;
  /** …and its area at most this multiple of the two crops' areas added up. */
  readonly mergeMaxAreaGrowth: number;
}

export const DEFAULT_VEHICLE_CROP_OPTIONS: VehicleCropOptions = {
  enlarge: 0.08,
  minHeightPx: 24,
  maxCrops: 16,
  mergeMaxSidePx: 320,
  mergeMaxAreaGrowth: 1.3,
};

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
