import { describe, expect, it } from 'vitest';
import { judgeShot } from '../../../agent/core/trigger/targetShots.ts';
import { moveAlong, targetInView, wrapDeg, type CameraView } from '../../../agent/core/trigger/view.ts';

const origin = { lon: 12.5545, lat: 55.6897 };
/** A point `eastM` east and `northM` north of the origin, as a task's target.point. */
const at = (eastM: number, northM: number): [number, number] => {
  const p = moveAlong(moveAlong(origin, 90, eastM), 0, northM);
  return [p.lon, p.lat];
};
const cam = (headingOffsetDeg: number, fovDeg = 90, rangeM = 30): CameraView => ({ headingOffsetDeg, fovDeg, rangeM });

describe('targetInView', () => {
  it.each([
    // name, heading, camera, target east/north m, radiusM, in view, off-centre
    ['abeam right, right camera', 0, cam(90), [10, 0], 20, true, 0],
    ['abeam right, left camera', 0, cam(-90), [10, 0], 20, false, 180],
    ['abeam right, forward camera', 0, cam(0), [10, 0], 20, false, 90],
    ['straight ahead, forward camera', 0, cam(0), [0, 10], 20, true, 0],
    ['ahead-right at 42°, forward camera with a 90° view', 0, cam(0), [9, 10], 20, true, 42],
    ['ahead-right at 48°, right camera with a 90° view', 0, cam(90), [10, 9], 20, true, -42],
    ['ahead-right at 48°, right camera with a 60° view', 0, cam(90, 60), [10, 9], 20, false, -42],
    ['heading east, target south = on the right', 90, cam(90), [0, -10], 20, true, 0],
    ['heading 350°, lens at 80°', 350, cam(90), [10, 10 * Math.tan((10 * Math.PI) / 180)], 20, true, 0],
    ['beyond the camera range', 0, cam(90, 90, 30), [40, 0], 100, false, 0],
    ['beyond the target radius', 0, cam(90, 90, 30), [10, 0], 5, false, 0],
  ] as const)('%s', (_name, headingDeg, camera, [e, n], radiusM, inView, offCentreDeg) => {
    const v = targetInView(origin, headingDeg, { point: at(e, n), radiusM }, camera);
    expect(v.inView).toBe(inView);
    expect(v.offCentreDeg).toBeCloseTo(offCentreDeg, 0);
  });

  it('wraps angles into -180…180', () => {
    expect([wrapDeg(190), wrapDeg(-190), wrapDeg(360), wrapDeg(-180), wrapDeg(540)]).toEqual([-170, 170, 0, 180, 180]);
  });
});

describe('judgeShot: the best frames of a pass, chosen online', () => {
  const target = { point: at(10, 0), radiusM: 25 };
  it.each([
    // vehicle north offset (m), remaining frames, fire?  (target 10 m to the right of the track; 5 m between chances)
    ['8 m before abeam, one frame left: better chances ahead', -8, 1, false],
    ['8 m before abeam, four frames left: only three better ahead', -8, 4, true],
    ['8 m before abeam, three frames left: three better ahead', -8, 3, false],
    ['just before abeam, one frame left: the next chance is worse', -2, 1, true],
    ['2 m before abeam, but the chance 5 m on is 3 m past it — better', -3, 1, false],
    ['past abeam: every later chance is worse', 3, 1, true],
    ['no frames left', 0, 0, false],
    ['target not in view (left behind the lens)', 20, 3, false],
  ] as const)('%s', (_name, northM, remaining, fire) => {
    const position = moveAlong(origin, 0, northM);
    expect(judgeShot({ position, headingDeg: 0, target, camera: cam(90), stepM: 5, remaining }).fire).toBe(fire);
  });

  it('with a forward camera, takes the first frames in range: the target only drifts off-centre later', () => {
    const side = { point: at(3, 0), radiusM: 30 };
    const positions = Array.from({ length: 12 }, (_, k) => moveAlong(origin, 0, -40 + 5 * k));
    let remaining = 2;
    const fired: number[] = [];
    positions.forEach((position, k) => {
      if (judgeShot({ position, headingDeg: 0, target: side, camera: cam(0), stepM: 5, remaining }).fire) {
        fired.push(-40 + 5 * k);
        remaining -= 1;
      }
    });
    expect(fired).toEqual([-25, -20]);
  });
});
