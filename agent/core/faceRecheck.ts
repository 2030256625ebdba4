// Second look at weak faces: each is cut out with some context and searched again enlarged, where a real small face
// scores high and street texture does not. Street faces from a moving vehicle are mostly under 20 px, where the
// whole-frame pass can only give weak scores.
import { boxHeight, boxWidth, type Box } from './boxes.ts';
import type { Detection } from '../ports/detector.ts';

export interface FaceRecheckOptions {
  /** Faces scored from here up to `maxScore` get a second look (0 turns it off). */
  readonly minScore: number;
  /** Faces at or above this are trusted as they are (the plan's faceAloneMinScore). */
  readonly maxScore: number;
  /** Side of the square cut-out as a multiple of the face's long side (context helps the model). */
  readonly contextScale: number;
  /** Cut-outs smaller than this (frame pixels) are grown to it. */
  readonly minCropPx: number;
  /** Faces larger than this (frame pixels) are left alone: enlarging them gains nothing. */
  readonly maxFacePx: number;
  /** At most this many per frame, best scores first: bounds the time per frame. */
  readonly maxCandidates: number;
  /** A second look counts from this score up (below it the face keeps only its first score). */
  readonly acceptScore: number;
}

export const DEFAULT_FACE_RECHECK_OPTIONS: FaceRecheckOptions = {
  minScore: 0.05,
  maxScore: 0.3,
  contextScale: 8,
  minCropPx: 24,
  maxFacePx: 40,
  maxCandidates: 64,
  acceptScore: 0.25,
};

export interface RecheckCrop {
  readonly face: Detection;
  /** Square cut-out around the face, in frame pixels, inside the frame. */
  readonly crop: Box;
}

/** The weak faces worth a second look, each with its cut-out. */
export function recheckCrops(
  faces: readonly Detection[],
  width: number,
  height: number,
  options: Partial<FaceRecheckOptions> = {},
): RecheckCrop[] {
  const o = { ...DEFAULT_FACE_RECHECK_OPTIONS, ...options };
  if (o.minScore <= 0) return [];
  return faces
    .filter((f) => f.score >= o.minScore && f.score < o.maxScore && Math.max(boxWidth(f.box), boxHeight(f.box)) <= o.maxFacePx)
    .sort((a, b) => b.score - a.score)
    .slice(0, o.maxCandidates)
    .map((face) => ({ face, crop: squareAround(face.box, o.contextScale, o.minCropPx, width, height) }));
}

/** A square of side scale × the box's long side, centred on it, shifted (not shrunk) to stay inside the frame. */
function squareAround(b: Box, scale: number, minSide: number, width: number, height: number): Box {
  const side = Math.min(width, height, Math.max(minSide, scale * Math.max(boxWidth(b), boxHeight(b))));
  const cx = (b.x1 + b.x2) / 2;
  const cy = (b.y1 + b.y2) / 2;
  const x1 = Math.min(width - side, Math.max(0, cx - side / 2));
  const y1 = Math.min(height - side, Math.max(0, cy - side / 2));
  return { x1, y1, x2: x1 + side, y2: y1 + side };
}

/**
 * The score a weak face earns on its second look: the best face found in its cut-out whose centre lies inside the
 * first box, or 0 when the enlarged search finds none there.
 */
export function recheckedScore(face: Box, found: readonly Detection[]): number {
  let best = 0;
  for (const d of found) {
    const cx = (d.box.x1 + d.box.x2) / 2;
    const cy = (d.box.y1 + d.box.y2) / 2;
    if (cx >= face.x1 && cx <= face.x2 && cy >= face.y1 && cy <= face.y2) best = Math.max(best, d.score);
  }
  return best;
}

/**
 * Faces after the second look: a face whose second score reaches `acceptScore` takes it when it is better, and
 * faces below `keepMinScore` that the second look did not lift are dropped.
 */
export function applyRecheck(
  faces: readonly Detection[],
  rechecked: ReadonlyMap<Detection, number>,
  keepMinScore: number,
  acceptScore: number,
): Detection[] {
  const out: Detection[] = [];
  for (const f of faces) {
    const raw = rechecked.get(f) ?? 0;
    const second = raw >= acceptScore ? raw : 0;
    const first = f.score >= keepMinScore ? f.score : 0;
    const score = Math.max(first, second);
    if (score >= keepMinScore) out.push(score === f.score ? f : { ...f, score });
  }
  return out;
}
