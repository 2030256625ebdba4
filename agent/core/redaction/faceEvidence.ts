// Which face hits are blurred as faces. A hit strong enough is a face anywhere; a weaker one only where a face is
// expected: in a person box, or behind a vehicle's glass at a size an occupant's face can have there (from a street
// vehicle, the weak hits on the cars ahead are mostly their rear windows and lights, larger than any occupant's face).
import { boxHeight, boxWidth, type Box } from './boxes.ts';
import type { Detection } from '../detection/detection.ts';
import type { PlanSettings } from './planSettings.ts';

/**
 * The smallest vehicle of each label that carries people behind glass, metres (height, width): the object model calls
 * a van or a pickup a truck, and a minibus a bus. The smaller the vehicle is taken to be, the larger the face an
 * occupant may show in its box, so a face is called too large for it only when it is too large for the smallest.
 */
const SMALLEST_VEHICLE_M: Readonly<Record<string, { readonly heightM: number; readonly widthM: number }>> = {
  car: { heightM: 1.4, widthM: 1.6 },
  truck: { heightM: 1.8, widthM: 1.8 },
  bus: { heightM: 2.6, widthM: 2.3 },
};

/** The face scores this plan works with (the face model's calibration, or plan overrides of it). */
export interface FaceScores {
  readonly aloneMin: number;
  readonly supportedMin: number;
  readonly largeMin: number;
}

type FaceOptions = Pick<PlanSettings, 'largeFaceFraction' | 'vehicleCabinFraction' | 'faceEvidence' | 'crowdFace'>;

/** The face hits that are blurred as faces (the rest only guide head regions and occupant patches). */
export function blurredFaces(
  faces: readonly Detection[],
  objects: readonly Detection[],
  frame: FrameSize,
  scores: FaceScores,
  o: FaceOptions,
): Detection[] {
  const notGiant = (f: Detection) => boxHeight(f.box) <= o.largeFaceFraction * frame.heightPx || f.score >= scores.largeMin;
  const confirmed = faces.filter((f) => notGiant(f) && f.score >= scores.aloneMin);
  return faces.filter((f) => {
    if (!notGiant(f)) return false;
    if (f.score >= scores.aloneMin) return true;
    if (f.score < scores.supportedMin) return false;
    return (
      inPerson(f.box, objects) ||
      inCabin(f.box, objects, o.vehicleCabinFraction, o.faceEvidence.occupantMaxFaceM, frame) ||
      besideConfirmedFace(f.box, confirmed, frame, o.crowdFace)
    );
  });
}

/**
 * True when a face blurred on its own score, of about the hit's height, lies beside it as neighbours in a crowd do
 * (`plan.crowdFace`). Only hits up to `maxHeightShare` of the frame: the face model scores a face it sees large high.
 */
function besideConfirmedFace(hit: Box, confirmed: readonly Detection[], frame: FrameSize, o: PlanSettings['crowdFace']): boolean {
  const h = boxHeight(hit);
  if (o.maxGapHeights <= 0 || h <= 0 || h > o.maxHeightShare * frame.heightPx) return false;
  const cx = (hit.x1 + hit.x2) / 2;
  const cy = (hit.y1 + hit.y2) / 2;
  return confirmed.some(({ box: c }) => {
    const ch = boxHeight(c);
    if (ch <= 0 || Math.max(h / ch, ch / h) > o.maxSizeRatio) return false;
    return Math.abs((c.x1 + c.x2) / 2 - cx) <= o.maxGapHeights * ch && Math.abs((c.y1 + c.y2) / 2 - cy) <= o.maxRowHeights * ch;
  });
}

/** True when the face's centre lies in a person box. */
function inPerson(face: Box, objects: readonly Detection[]): boolean {
  const cx = (face.x1 + face.x2) / 2;
  const cy = (face.y1 + face.y2) / 2;
  return objects.some(({ label, box: b }) => label === 'person' && cx >= b.x1 && cx <= b.x2 && cy >= b.y1 && cy <= b.y2);
}

/**
 * True when the face's centre lies in the cabin (upper `cabinFraction`) of a car, bus or truck box and it fits an
 * occupant there (fitsOccupant: a larger face is in front of the vehicle, a pedestrian with a person box of their own,
 * or no face at all: rear lights, a rear window), or in a motorcycle box's upper part (its rider, any size).
 */
export function inCabin(face: Box, objects: readonly Detection[], cabinFraction: number, occupantMaxFaceM: number, frame: FrameSize): boolean {
  const cx = (face.x1 + face.x2) / 2;
  const cy = (face.y1 + face.y2) / 2;
  return objects.some((d) => {
    const b = d.box;
    if (cx < b.x1 || cx > b.x2 || cy < b.y1 || cy > b.y1 + cabinFraction * boxHeight(b)) return false;
    return d.label === 'motorcycle' || (Object.hasOwn(SMALLEST_VEHICLE_M, d.label) && fitsOccupant(face, d, occupantMaxFaceM, frame));
  });
}

/** Frame size, pixels: a vehicle box cut by the frame's edge tells its vehicle's size only along the other axis. */
export interface FrameSize {
  readonly widthPx: number;
  readonly heightPx: number;
}

/** A box side within this many pixels of the frame's edge is cut by it. */
const CUT_EDGE_PX = 2;

/**
 * True when a face in a vehicle with glass (car, bus, truck) is no larger than an occupant's can be: an occupant sits
 * behind the vehicle's nearest face, so at that vehicle's scale (pixels per metre of the smallest vehicle of its
 * label, by the box's height or width, whichever gives more; a side the frame cuts tells nothing, and a box cut both
 * ways none) the face measures at most `maxFaceM`. Other labels and `maxFaceM` 0: any size.
 */
export function fitsOccupant(face: Box, vehicle: Detection, maxFaceM: number, frame: FrameSize): boolean {
  const size = Object.hasOwn(SMALLEST_VEHICLE_M, vehicle.label) ? SMALLEST_VEHICLE_M[vehicle.label] : undefined;
  if (!size || maxFaceM <= 0) return true;
  const b = vehicle.box;
  const cutX = b.x1 <= CUT_EDGE_PX || b.x2 >= frame.widthPx - CUT_EDGE_PX;
  const cutY = b.y1 <= CUT_EDGE_PX || b.y2 >= frame.heightPx - CUT_EDGE_PX;
  if (cutX && cutY) return true;
  const pxPerM = Math.max(cutY ? 0 : boxHeight(b) / size.heightM, cutX ? 0 : boxWidth(b) / size.widthM);
  return boxHeight(face) <= maxFaceM * pxPerM;
}
