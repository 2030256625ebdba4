import { describe, expect, it } from 'vitest';
import { YUNET_CALIBRATION } from '../../../agent/adapters/detectors/yunetFaces.ts';
import type { Box } from '../../../agent/core/redaction/boxes.ts';
import { headAroundFace, personsWithFace } from '../../../agent/core/redaction/headRegions.ts';
import { DEFAULT_PLAN_OPTIONS, planRedaction } from '../../../agent/core/redaction/redactionPlan.ts';
import type { Detection } from '../../../agent/ports/detector.ts';

const det = (label: string, box: Box, score = 0.9): Detection => ({ box, score, label, detector: 'test' });
const plan = (faces: Detection[], objects: Detection[], options = {}) =>
  planRedaction({ calibration: YUNET_CALIBRATION, width: 1920, height: 1080, faces, plates: [], objects }, options).map((r) => ({ kind: r.kind, box: r.box }));
/** True when some region covers the whole box. */
const boxArea = (b: Box) => (b.x2 - b.x1) * (b.y2 - b.y1);
const covered = (regions: { box: Box }[], b: Box) => regions.some((r) => r.box.x1 <= b.x1 && r.box.y1 <= b.y1 && r.box.x2 >= b.x2 && r.box.y2 >= b.y2);

describe('head regions of persons whose face was found', () => {
  const alice = det('person', { x1: 500, y1: 200, x2: 600, y2: 500 });
  const bob = det('person', { x1: 560, y1: 190, x2: 660, y2: 490 });
  const aliceFace = det('face', { x1: 535, y1: 210, x2: 565, y2: 245 });

  it('two persons side by side, one face found: the face stands in for one head only, the other keeps its region', () => {
    const regions = plan([aliceFace], [alice, bob]);
    expect(regions.filter((r) => r.kind === 'head-region')).toEqual([{ kind: 'head-region', box: { x1: 550, y1: 160, x2: 670, y2: 240 } }]);
    // Bob's head, wherever in his region it is, stays covered; Alice's face and the head round it too.
    expect(covered(regions, { x1: 560, y1: 160, x2: 660, y2: 240 })).toBe(true);
    expect(covered(regions, { x1: 525, y1: 200, x2: 575, y2: 255 })).toBe(true);
  });

  it('the face goes to the person it fits best: the one whose top middle it is nearest', () => {
    const faced = personsWithFace([alice, bob], [aliceFace], DEFAULT_PLAN_OPTIONS);
    expect([...faced.keys()]).toEqual([alice]);
  });

  it("a small face of someone further back, inside a near person's head region, does not stand in for that head", () => {
    const near = det('person', { x1: 400, y1: 100, x2: 800, y2: 1000 });
    const farFace = det('face', { x1: 600, y1: 150, x2: 640, y2: 190 });
    // 40 px wide on a person 400 px wide: not theirs. The head region stays (and holds the small face).
    expect(plan([farFace], [near]).map((r) => r.kind)).toEqual(['head-region']);
  });

  it('a weak hit that is not blurred as a face does not take the head region away', () => {
    const weak = det('face', { x1: 535, y1: 210, x2: 565, y2: 245 }, 0.1);
    expect(plan([weak], [alice]).map((r) => r.kind)).toEqual(['head-region']);
  });

  it('headFace.skipWhenFound off: every person keeps a head region', () => {
    expect(plan([aliceFace], [alice], { headFace: { skipWhenFound: false } }).filter((r) => r.kind === 'head-region')).toHaveLength(1);
  });

  it('the head round a face is a square of its longer side, grown on each end', () => {
    expect(headAroundFace({ x1: 100, y1: 100, x2: 120, y2: 130 }, 0.5)).toEqual({ x1: 80, y1: 85, x2: 140, y2: 145 });
  });
});

describe('head regions whose head a confirmed face has found (plan.headFound)', () => {
  // The object model boxed one person twice: a tight box and a looser one reaching further up and to the right.
  const tight = det('person', { x1: 500, y1: 200, x2: 600, y2: 500 });
  const loose = det('person', { x1: 490, y1: 170, x2: 640, y2: 520 });
  const face = det('face', { x1: 535, y1: 210, x2: 565, y2: 245 }, 0.8);
  const heads = (regions: { kind: string; box: Box }[]) => regions.filter((r) => r.kind === 'head-region');

  it("the second box's head region shrinks to the head square round the face the first box took", () => {
    const square = headAroundFace(face.box, DEFAULT_PLAN_OPTIONS.headFace.facePad);
    const regions = plan([face], [tight, loose]);
    // The square is the one the face is blurred as for the tight box already: nothing past it is blurred.
    expect(covered(regions, square)).toBe(true);
    expect(regions.every((r) => boxArea(r.box) <= boxArea(square) + 4 * (square.x2 - square.x1))).toBe(true);
    // Without the rule the loose box's whole head region is blurred.
    const before = heads(plan([face], [tight, loose], { headFound: { minScore: 1 } }));
    expect(before).toHaveLength(1);
    expect(boxArea(before[0]!.box)).toBeGreaterThan(4 * boxArea(square));
  });

  it('a face blurred only because a person box supports it (under the alone score) finds no head', () => {
    const supported = det('face', face.box, 0.2);
    expect(heads(plan([supported], [tight, loose]))[0]!.box).toEqual(heads(plan([supported], [tight, loose], { headFound: { minScore: 1 } }))[0]!.box);
  });

  it("a confirmed face much smaller than the person (someone further back) finds nothing: the near person's region stays", () => {
    const near = det('person', { x1: 400, y1: 100, x2: 800, y2: 1000 });
    const farFace = det('face', { x1: 600, y1: 150, x2: 640, y2: 190 }, 0.9);
    const regions = plan([farFace], [near]);
    expect(covered(regions, { x1: 400, y1: 100, x2: 800, y2: 300 })).toBe(true);
  });
});

describe('head regions of large persons need a face hit', () => {
  // 100 px wide: a face turned to the camera would be ~40 px wide (plan.headEvidence.faceWidthShare 0.4).
  const near = det('person', { x1: 500, y1: 200, x2: 600, y2: 500 });
  // 30 px wide: ~12 px, under what the face models find reliably.
  const far = det('person', { x1: 900, y1: 400, x2: 930, y2: 490 });
  const evidence = { headEvidence: { minFacePx: 20 } };

  it('a large person with no face hit in the head region (seen from behind) gets no head region', () => {
    expect(plan([], [near], evidence)).toEqual([]);
  });

  it('a weak hit in the head region, too weak to be blurred as a face, is evidence enough', () => {
    const weak = det('face', { x1: 535, y1: 210, x2: 565, y2: 245 }, 0.06);
    expect(plan([weak], [near], evidence).map((r) => r.kind)).toEqual(['head-region']);
  });

  it("a hit outside the person's head region is no evidence for it", () => {
    const elsewhere = det('face', { x1: 535, y1: 400, x2: 565, y2: 435 }, 0.06);
    expect(plan([elsewhere], [near], evidence)).toEqual([]);
  });

  it('small persons keep their head region with no hit at all', () => {
    expect(plan([], [far], evidence).map((r) => r.kind)).toEqual(['head-region']);
  });

  it('off (minFacePx 0): every person without a blurred face keeps a head region', () => {
    expect(plan([], [near], { headEvidence: { minFacePx: 0 } }).map((r) => r.kind)).toEqual(['head-region']);
  });
});

describe('weak faces beside confirmed faces of their size (crowds)', () => {
  // No person boxes: YOLOX boxes a dense crowd as few persons or none.
  const confirmed = det('face', { x1: 500, y1: 300, x2: 530, y2: 336 }, 0.8);
  const neighbour = det('face', { x1: 545, y1: 305, x2: 573, y2: 340 }, 0.2);

  it('a hit at the supported floor beside a confirmed face of about its size is blurred', () => {
    const regions = plan([confirmed, neighbour], []);
    expect(covered(regions, neighbour.box)).toBe(true);
  });

  it('a hit of a very different size, far off, or under the supported floor is not', () => {
    const tiny = det('face', { x1: 545, y1: 310, x2: 555, y2: 322 }, 0.2);
    const far = det('face', { x1: 700, y1: 305, x2: 728, y2: 340 }, 0.2);
    const below = det('face', { x1: 545, y1: 305, x2: 573, y2: 340 }, 0.1);
    for (const hit of [tiny, far, below]) expect(covered(plan([confirmed, hit], []), hit.box)).toBe(false);
  });

  it('a confirmed face does not stand beside itself: a lone weak hit stays unblurred', () => {
    expect(plan([neighbour], [])).toEqual([]);
  });

  it('off (crowdFace.maxGapHeights 0): only person boxes and cabins support weak faces', () => {
    expect(covered(plan([confirmed, neighbour], [], { crowdFace: { maxGapHeights: 0 } }), neighbour.box)).toBe(false);
  });
});
