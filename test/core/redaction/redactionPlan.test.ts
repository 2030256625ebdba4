import { YUNET_CALIBRATION } from '../../../agent/adapters/detectors/yunetFaces.ts';
import { describe, expect, it } from 'vitest';
import type { Box } from '../../../agent/core/redaction/boxes.ts';
import { headRegion, mergeCascadeObjects, planRedaction, vehicleCrops } from '../../../agent/core/redaction/redactionPlan.ts';
import type { Detection } from '../../../agent/ports/detector.ts';

const det = (label: string, box: Box, score = 0.9): Detection => ({ box, score, label, detector: 'test' });
const W = 1920;
const H = 1080;

describe('planRedaction', () => {
  const cases: {
    name: string;
    faces?: Detection[];
    plates?: Detection[];
    objects?: Detection[];
    expected: { kind: string; box: Box }[];
  }[] = [
    { name: 'nothing found → nothing blurred', expected: [] },
    {
      name: 'a face grows 40 % on every side',
      faces: [det('face', { x1: 100, y1: 100, x2: 120, y2: 130 })],
      expected: [{ kind: 'face', box: { x1: 92, y1: 88, x2: 128, y2: 142 } }],
    },
    {
      name: 'a far face, padded, is grown to at least 20 px around its centre',
      faces: [det('face', { x1: 100, y1: 100, x2: 108, y2: 110 })],
      expected: [{ kind: 'face', box: { x1: 94, y1: 95, x2: 114, y2: 115 } }],
    },
    {
      name: 'a plate grows 15 % but at least 3 px',
      plates: [det('plate', { x1: 200, y1: 300, x2: 300, y2: 320 })],
      expected: [{ kind: 'plate', box: { x1: 185, y1: 297, x2: 315, y2: 323 } }],
    },
    {
      name: 'a standing person gets the top of its box, widened 10 %, down to half its width (a head is about half a shoulder width high)',
      // A weak hit in the head region, not blurred as a face: the evidence a person this large needs (plan.headEvidence).
      faces: [det('face', { x1: 540, y1: 215, x2: 560, y2: 240 }, 0.06)],
      objects: [det('person', { x1: 500, y1: 200, x2: 600, y2: 500 })],
      expected: [{ kind: 'head-region', box: { x1: 490, y1: 170, x2: 610, y2: 250 } }],
    },
    {
      name: 'a squat person box (cut off by the frame) gets 40 % of its height',
      faces: [det('face', { x1: 540, y1: 805, x2: 560, y2: 830 }, 0.06)],
      objects: [det('person', { x1: 500, y1: 800, x2: 600, y2: 900 })],
      expected: [{ kind: 'head-region', box: { x1: 490, y1: 790, x2: 610, y2: 840 } }],
    },
    {
      name: "a person whose own face is blurred gets no head region: the face is blurred as a head-sized square",
      faces: [det('face', { x1: 530, y1: 210, x2: 560, y2: 240 })],
      objects: [det('person', { x1: 500, y1: 200, x2: 600, y2: 500 })],
      expected: [{ kind: 'face', box: { x1: 516, y1: 196, x2: 574, y2: 254 } }],
    },
    {
      name: 'a face sticking out of the head region is kept',
      faces: [det('face', { x1: 590, y1: 210, x2: 640, y2: 260 }), det('face', { x1: 530, y1: 215, x2: 550, y2: 240 }, 0.06)],
      objects: [det('person', { x1: 500, y1: 200, x2: 600, y2: 500 })],
      expected: [
        { kind: 'head-region', box: { x1: 490, y1: 170, x2: 610, y2: 250 } },
        { kind: 'face', box: { x1: 570, y1: 190, x2: 660, y2: 280 } },
      ],
    },
    {
      name: 'the same plate from the frame and from a vehicle crop is blurred once',
      plates: [det('plate', { x1: 200, y1: 300, x2: 300, y2: 320 }), det('plate', { x1: 202, y1: 301, x2: 298, y2: 319 })],
      expected: [{ kind: 'plate', box: { x1: 185, y1: 297, x2: 315, y2: 323 } }],
    },
    {
      name: 'regions are clipped to the frame',
      faces: [det('face', { x1: -10, y1: 1060, x2: 20, y2: 1090 })],
      expected: [{ kind: 'face', box: { x1: 0, y1: 1048, x2: 32, y2: 1080 } }],
    },
    {
      name: 'vehicles and other objects are not blurred themselves',
      objects: [det('car', { x1: 0, y1: 0, x2: 400, y2: 300 }), det('stop sign', { x1: 10, y1: 10, x2: 40, y2: 40 })],
      expected: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const regions = planRedaction({ calibration: YUNET_CALIBRATION, width: W, height: H, faces: c.faces ?? [], plates: c.plates ?? [], objects: c.objects ?? [] });
      expect(regions.map((r) => ({ kind: r.kind, box: r.box }))).toEqual(c.expected);
    });
  }

  it('a weak face taller than a quarter of the frame (a car front, a wall) is not blurred; a confident one is', () => {
    const giant = { x1: 0, y1: 300, x2: 550, y2: 1080 };
    expect(planRedaction({ calibration: YUNET_CALIBRATION, width: W, height: H, faces: [det('face', giant, 0.46)], plates: [], objects: [] })).toEqual([]);
    const near = planRedaction({ calibration: YUNET_CALIBRATION, width: W, height: H, faces: [det('face', giant, 0.9)], plates: [], objects: [] });
    expect(near.map((r) => r.kind)).toEqual(['face']);
  });

  it("a plate found on a motorcycle grows upwards to a square (two-row plates), then is padded", () => {
    const objects = [det('motorcycle', { x1: 247, y1: 664, x2: 520, y2: 1067 })];
    const plates = [det('plate', { x1: 372, y1: 1014, x2: 432, y2: 1056 })];
    const regions = planRedaction({ calibration: YUNET_CALIBRATION, width: W, height: H, faces: [], plates, objects });
    expect(regions.map((r) => ({ kind: r.kind, box: r.box }))).toEqual([{ kind: 'plate', box: { x1: 363, y1: 987, x2: 441, y2: 1065 } }]);
  });

  it('a near motorcycle with no plate found gets a plate zone over its lower part', () => {
    const objects = [det('motorcycle', { x1: 200, y1: 600, x2: 500, y2: 1000 })];
    const regions = planRedaction({ calibration: YUNET_CALIBRATION, width: W, height: H, faces: [], plates: [], objects });
    expect(regions.map((r) => ({ kind: r.kind, box: r.box }))).toEqual([{ kind: 'plate-zone', box: { x1: 200, y1: 820, x2: 500, y2: 1000 } }]);
  });

  it('whole cabin bands, when switched on, blur the window band of near vehicles only', () => {
    const objects = [det('car', { x1: 100, y1: 400, x2: 600, y2: 800 }), det('car', { x1: 1000, y1: 500, x2: 1200, y2: 600 })];
    const regions = planRedaction({ calibration: YUNET_CALIBRATION, width: W, height: H, faces: [], plates: [det('plate', { x1: 1080, y1: 570, x2: 1120, y2: 580 })], objects }, { cabinZone: { minVehicleHeightShare: 120 / H, wholeBand: true } });
    expect(regions.filter((r) => r.kind === 'cabin-zone').map((r) => r.box)).toEqual([{ x1: 100, y1: 420, x2: 600, y2: 580 }]);
  });

  it('persons below personMinScore get no head region', () => {
    const objects = [det('person', { x1: 500, y1: 200, x2: 600, y2: 500 }, 0.2)];
    expect(planRedaction({ calibration: YUNET_CALIBRATION, width: W, height: H, faces: [], plates: [], objects }, { personMinScore: 0.3 })).toEqual([]);
  });
});

describe('headRegion', () => {
  const o = { headFraction: 0.25, headFractionSquat: 0.4, headMaxWidths: 1, headMarginX: 0, headMarginTop: 0.04 };
  it('covers where the head of a standing person is', () => {
    expect(headRegion({ x1: 0, y1: 0, x2: 100, y2: 300 }, o).y2).toBe(75);
  });

  it('reaches no deeper than headMaxWidths of the box width: a head is about half a shoulder width high', () => {
    // A person 60 px wide and 300 px high (arms down, a narrow box): 0.25 of the height would be 75 px, 2.5 heads.
    expect(headRegion({ x1: 0, y1: 0, x2: 60, y2: 300 }, { ...o, headMaxWidths: 0.5 }).y2).toBe(30);
    // A box not much taller than wide keeps its share of the height when that is shallower.
    expect(headRegion({ x1: 0, y1: 0, x2: 100, y2: 120 }, { ...o, headMaxWidths: 0.5 }).y2).toBe(48);
  });
});

describe('vehicleCrops', () => {
  const cases: { name: string; objects: Detection[]; expected: Box[] }[] = [
    { name: 'no vehicles', objects: [det('person', { x1: 0, y1: 0, x2: 50, y2: 100 })], expected: [] },
    {
      name: 'a car is enlarged 8 % and clipped',
      objects: [det('car', { x1: 100, y1: 100, x2: 300, y2: 200 })],
      expected: [{ x1: 84, y1: 92, x2: 316, y2: 208 }],
    },
    { name: 'a far-away car is skipped', objects: [det('car', { x1: 100, y1: 100, x2: 130, y2: 120 })], expected: [] },
    {
      name: 'a truck box over the same car is searched once',
      objects: [det('car', { x1: 100, y1: 100, x2: 300, y2: 200 }), det('truck', { x1: 102, y1: 98, x2: 302, y2: 202 }, 0.5)],
      expected: [{ x1: 86, y1: 89, x2: 318, y2: 211 }],
    },
    {
      name: 'bus and motorcycle count, bicycle does not',
      objects: [
        det('bus', { x1: 1000, y1: 100, x2: 1400, y2: 500 }),
        det('motorcycle', { x1: 10, y1: 500, x2: 60, y2: 560 }),
        det('bicycle', { x1: 500, y1: 500, x2: 560, y2: 560 }),
      ],
      expected: [
        { x1: 968, y1: 68, x2: 1432, y2: 532 },
        { x1: 6, y1: 495, x2: 64, y2: 565 },
      ],
    },
  ];
  for (const c of cases) it(c.name, () => expect(vehicleCrops(c.objects, W, H)).toEqual(c.expected));

  it('keeps at most maxCrops, largest first', () => {
    const cars = [1, 2, 3].map((i) => det('car', { x1: 0, y1: 0, x2: 100 * i, y2: 50 * i }));
    expect(vehicleCrops(cars, W, H, { maxCrops: 1, enlarge: 0 })).toEqual([{ x1: 0, y1: 0, x2: 300, y2: 150 }]);
  });
});

describe('vehicleCrops: neighbours share a crop', () => {
  const opts = { enlarge: 0 };
  it('two parked cars side by side, together within 320 px, are searched in one crop', () => {
    const cars = [det('car', { x1: 100, y1: 500, x2: 220, y2: 560 }), det('car', { x1: 225, y1: 505, x2: 345, y2: 565 })];
    expect(vehicleCrops(cars, W, H, opts)).toEqual([{ x1: 100, y1: 500, x2: 345, y2: 565 }]);
  });

  it('cars far apart, or too large together for the plate model input, keep a crop each', () => {
    const apart = [det('car', { x1: 100, y1: 500, x2: 160, y2: 540 }), det('car', { x1: 300, y1: 300, x2: 360, y2: 340 })];
    expect(vehicleCrops(apart, W, H, opts)).toHaveLength(2);
    const large = [det('car', { x1: 100, y1: 500, x2: 300, y2: 600 }), det('car', { x1: 300, y1: 500, x2: 500, y2: 600 })];
    expect(vehicleCrops(large, W, H, opts)).toHaveLength(2);
    expect(vehicleCrops(cars3(), W, H, { ...opts, mergeMaxSidePx: 0 })).toHaveLength(3);
  });

  function cars3(): Detection[] {
    return [0, 1, 2].map((i) => det('car', { x1: 100 + 70 * i, y1: 500, x2: 165 + 70 * i, y2: 540 }));
  }

  it('a row of three small cars becomes one crop', () => {
    expect(vehicleCrops(cars3(), W, H, opts)).toEqual([{ x1: 100, y1: 500, x2: 305, y2: 540 }]);
  });
});

describe('mergeCascadeObjects', () => {
  it('keeps the best box of an object seen in two passes and drops non-cascade labels', () => {
    const a = det('person', { x1: 0, y1: 0, x2: 100, y2: 300 }, 0.5);
    const b = det('person', { x1: 2, y1: 0, x2: 100, y2: 302 }, 0.8);
    const c = det('person', { x1: 500, y1: 0, x2: 600, y2: 300 }, 0.4);
    const sign = det('stop sign', { x1: 0, y1: 0, x2: 10, y2: 10 });
    expect(mergeCascadeObjects([[a, sign], [b, c]])).toEqual([b, c]);
  });
});

describe('weak faces and plate zones', () => {
  const plan = (faces: Detection[], objects: Detection[], plates: Detection[] = []) =>
    planRedaction({ calibration: YUNET_CALIBRATION, width: W, height: H, faces, plates, objects });

  it('a weak face is blurred inside a person box or a vehicle cabin, and not on a bare wall', () => {
    const weak = (x: number, y: number) => det('face', { x1: x, y1: y, x2: x + 12, y2: y + 14 }, 0.2);
    const regions = plan(
      [weak(100, 100), weak(520, 450), weak(900, 210)],
      [det('person', { x1: 480, y1: 300, x2: 580, y2: 600 }), det('car', { x1: 850, y1: 180, x2: 1150, y2: 400 })],
    );
    const faces = regions.filter((r) => r.kind === 'face').map((r) => r.box.x1);
    expect(faces.sort((a, b) => a - b)).toEqual([515, 895]);
  });

  it('a very weak face in a person box is not blurred as a face (it only marks occupants behind glass)', () => {
    const faint = det('face', { x1: 500, y1: 320, x2: 512, y2: 334 }, 0.1);
    expect(plan([faint], [det('person', { x1: 480, y1: 300, x2: 580, y2: 600 })]).filter((r) => r.kind === 'face')).toEqual([]);
  });

  it('a weak face low on a vehicle (the bumper) is not blurred; a strong one anywhere is', () => {
    const car = det('car', { x1: 850, y1: 180, x2: 1150, y2: 400 });
    const low = det('face', { x1: 900, y1: 370, x2: 912, y2: 384 }, 0.2);
    const strong = det('face', { x1: 100, y1: 100, x2: 112, y2: 114 }, 0.8);
    expect(plan([low, strong], [car]).filter((r) => r.kind === 'face').map((r) => r.score)).toEqual([0.8]);
  });

  it('a small vehicle side-on with no plate found gets the band where plates sit blurred, a little past its sides', () => {
    const car = det('car', { x1: 1000, y1: 500, x2: 1200, y2: 580 }, 0.7);
    const regions = plan([], [car]);
    expect(regions).toEqual([{ kind: 'plate-zone', box: { x1: 992, y1: 532, x2: 1208, y2: 574 }, detector: 'test', score: 0.7 }]);
  });

  it('a small vehicle seen from behind (about as wide as high) gets the middle of that band, where its plate is', () => {
    const car = det('car', { x1: 1000, y1: 500, x2: 1100, y2: 580 }, 0.7);
    expect(plan([], [car]).map((r) => r.box)).toEqual([{ x1: 1020, y1: 532, x2: 1080, y2: 574 }]);
  });

  it('no plate zone on a vehicle whose plate was found, on a large (near) vehicle, or on a doubtful one', () => {
    const found = det('car', { x1: 1000, y1: 500, x2: 1100, y2: 580 }, 0.7);
    const plate = det('plate', { x1: 1030, y1: 555, x2: 1060, y2: 565 });
    const near = det('bus', { x1: 0, y1: 200, x2: 800, y2: 900 }, 0.9);
    const doubtful = det('truck', { x1: 1500, y1: 500, x2: 1600, y2: 560 }, 0.2);
    expect(plan([], [found, near, doubtful], [plate]).map((r) => r.kind)).toEqual(['plate']);
  });

  it('a mid-size vehicle seen at an angle with no plate found gets a lower band; square on or as wide as a bonnet, none', () => {
    const angled = det('car', { x1: 60, y1: 490, x2: 510, y2: 750 }, 0.9);
    expect(plan([], [angled]).filter((r) => r.kind === 'plate-zone').map((r) => r.box)).toEqual([{ x1: 60, y1: 607, x2: 510, y2: 685 }]);
    const squareOn = det('car', { x1: 700, y1: 500, x2: 950, y2: 750 }, 0.9);
    const bonnet = det('car', { x1: 40, y1: 810, x2: 1860, y2: 1070 }, 0.9);
    const tooNear = det('car', { x1: 1000, y1: 400, x2: 1600, y2: 700 }, 0.9);
    expect(plan([], [squareOn, bonnet, tooNear]).filter((r) => r.kind === 'plate-zone')).toEqual([]);
  });
});
