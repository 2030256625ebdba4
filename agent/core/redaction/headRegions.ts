// Head regions of persons: where a head is even when its face is small, turned away or missed, unless the person's
// own face is blurred already.
import { boxHeight, boxWidth, type Box } from './boxes.ts';
import type { Detection } from '../detection/detection.ts';
import type { PlanSettings } from './planSettings.ts';

type HeadOptions = Pick<PlanSettings, 'headFraction' | 'headFractionSquat' | 'headMaxWidths' | 'headMarginX' | 'headMarginTop' | 'headFace'>;

/**
 * Which persons still need a head region (`bareHeads`), and which blurred faces stand in for one (`standIns`: they
 * are blurred with `headFace.facePad`, as they cover a whole head where the region would have).
 */
export function headsOf(
  persons: readonly Detection[],
  blurredFaces: readonly Detection[],
  o: HeadOptions,
): { bareHeads: Detection[]; standIns: Set<Detection> } {
  if (!o.headFace.skipWhenFound) return { bareHeads: [...persons], standIns: new Set() };
  const faced = personsWithFace(persons, blurredFaces.filter((f) => f.score >= o.headFace.minScore), o);
  return { bareHeads: persons.filter((p) => !faced.has(p)), standIns: new Set(faced.values()) };
}

/** The top of a person box, widened: where the head is even when the face is small, blurred or turned away. */
export function headRegion(person: Box, o: Pick<PlanSettings, 'headFraction' | 'headFractionSquat' | 'headMaxWidths' | 'headMarginX' | 'headMarginTop'>): Box {
  const w = boxWidth(person);
  const h = boxHeight(person);
  const fraction = h < 1.8 * w ? o.headFractionSquat : o.headFraction;
  // A head is about half a shoulder width high: a box much taller than wide does not make its head taller.
  const depth = Math.min(fraction * h, o.headMaxWidths * w);
  return {
    x1: person.x1 - o.headMarginX * w,
    x2: person.x2 + o.headMarginX * w,
    y1: person.y1 - o.headMarginTop * h,
    y2: person.y1 + depth,
  };
}

/**
 * The persons whose own face is blurred already: their head region would only blur hair, shoulders and the street
 * round a face that is covered. Each blurred face goes to at most one person, the one whose head region it lies in
 * and fits best (size for the person's width, nearest the top middle of the box), so that in a crowd the face of one
 * does not stand in for the turned-away head of another.
 */
export function personsWithFace(persons: readonly Detection[], faces: readonly Detection[], o: HeadOptions): Map<Detection, Detection> {
  const pairs: { person: Detection; face: number; cost: number }[] = [];
  for (const person of persons) {
    const head = headRegion(person.box, o);
    const w = boxWidth(person.box);
    for (const [i, { box: f }] of faces.entries()) {
      const cx = (f.x1 + f.x2) / 2;
      const cy = (f.y1 + f.y2) / 2;
      if (cx < head.x1 || cx > head.x2 || cy < head.y1 || cy > head.y2) continue;
      const share = boxWidth(f) / w;
      if (share < o.headFace.minWidthShare || share > o.headFace.maxWidthShare) continue;
      // Distance from where a head sits (top middle), in person widths.
      const dx = (cx - (person.box.x1 + person.box.x2) / 2) / w;
      const dy = (cy - person.box.y1) / w;
      if (Math.abs(dx) > o.headFace.maxOffsetShare) continue;
      pairs.push({ person, face: i, cost: Math.hypot(dx, dy) });
    }
  }
  pairs.sort((a, b) => a.cost - b.cost);
  const usedFaces = new Set<number>();
  const out = new Map<Detection, Detection>();
  for (const p of pairs) {
    if (usedFaces.has(p.face) || out.has(p.person)) continue;
    usedFaces.add(p.face);
    out.set(p.person, faces[p.face]!);
  }
  return out;
}

/**
 * The head round a face that stands in for a head region: a square on the face's centre, its side the face's longer
 * side grown by `pad` on each end. The face model boxes the inner face (brows to chin); a head turned aside reaches
 * further to one side than the face box, which a square of the longer side covers.
 */
export function headAroundFace(face: Box, pad: number): Box {
  const half = (Math.max(boxWidth(face), boxHeight(face)) * (1 + 2 * pad)) / 2;
  const cx = (face.x1 + face.x2) / 2;
  const cy = (face.y1 + face.y2) / 2;
  return { x1: cx - half, y1: cy - half, x2: cx + half, y2: cy + half };
}

/**
 * Whether a person's head region (with no blurred face of its own) is blurred. Small persons' always: their face may
 * be under what any face model finds. A person large enough that a face turned to the camera would be
 * `minFacePx` wide or more only when some face hit, however weak, has its centre in the region: the face models
 * report a hit on nearly every visible face that size, so a head with none at all is seen from behind.
 */
export function headNeedsBlur(
  person: Box,
  head: Box,
  faceHits: readonly Detection[],
  o: Pick<PlanSettings['headEvidence'], 'minFacePx' | 'faceWidthShare'>,
): boolean {
  if (o.minFacePx <= 0 || o.faceWidthShare * boxWidth(person) < o.minFacePx) return true;
  return faceHits.some(({ box: f }) => {
    const cx = (f.x1 + f.x2) / 2;
    const cy = (f.y1 + f.y2) / 2;
    return cx >= head.x1 && cx <= head.x2 && cy >= head.y1 && cy <= head.y2;
  });
}

/**
 * The face that finds a head region's head, if any (`plan.headFound`): the best-scored blurred face scored at least
 * `minScore` with its centre in the region and a width that fits the person (`headFace.minWidthShare`–`maxWidthShare`
 * of the box's width). Such a face did not stand in for this person because it went to another box on the same person
 * (the object model boxes one person twice, or a person and a group) or lies off the box's middle. A face much smaller
 * than the person is someone further back, and finds nothing: the region stays.
 */
export function foundHead(
  person: Box,
  head: Box,
  blurredFaces: readonly Detection[],
  minScore: number,
  maxOffsetShare: number,
  o: Pick<PlanSettings['headFace'], 'minWidthShare' | 'maxWidthShare'>,
): Detection | undefined {
  if (minScore >= 1) return undefined;
  const w = boxWidth(person);
  const mid = (person.x1 + person.x2) / 2;
  let best: Detection | undefined;
  for (const f of blurredFaces) {
    const cx = (f.box.x1 + f.box.x2) / 2;
    const cy = (f.box.y1 + f.box.y2) / 2;
    if (f.score < minScore || cx < head.x1 || cx > head.x2 || cy < head.y1 || cy > head.y2) continue;
    if (Math.abs(cx - mid) > maxOffsetShare * w) continue;
    const share = boxWidth(f.box) / w;
    if (share < o.minWidthShare || share > o.maxWidthShare) continue;
    if (!best || f.score > best.score) best = f;
  }
  return best;
}
