import { describe, expect, it } from 'vitest';
import type { Box } from '../../agent/core/boxes.ts';
import { applyRecheck, recheckCrops, recheckedScore } from '../../agent/core/faceRecheck.ts';
import type { Detection } from '../../agent/ports/detector.ts';

const face = (box: Box, score: number): Detection => ({ box, score, label: 'face', detector: 'test' });

describe('recheckCrops', () => {
  it('takes weak small faces only, best first, each in a square of 8× its size around it', () => {
    const weak = face({ x1: 100, y1: 100, x2: 110, y2: 112 }, 0.1);
    const weaker = face({ x1: 300, y1: 300, x2: 310, y2: 310 }, 0.06);
    const strong = face({ x1: 500, y1: 500, x2: 510, y2: 512 }, 0.6);
    const large = face({ x1: 700, y1: 300, x2: 760, y2: 370 }, 0.1);
    const noise = face({ x1: 900, y1: 300, x2: 910, y2: 310 }, 0.01);
    const crops = recheckCrops([weaker, strong, large, noise, weak], 1920, 1080);
    expect(crops.map((c) => c.face)).toEqual([weak, weaker]);
    expect(crops[0]!.crop).toEqual({ x1: 57, y1: 58, x2: 153, y2: 154 });
  });

  it('keeps a cut-out at the frame edge inside the frame without shrinking it', () => {
    const [c] = recheckCrops([face({ x1: 0, y1: 1070, x2: 10, y2: 1080 }, 0.1)], 1920, 1080);
    expect(c!.crop).toEqual({ x1: 0, y1: 1000, x2: 80, y2: 1080 });
  });

  it('is off with minScore 0', () => {
    expect(recheckCrops([face({ x1: 0, y1: 0, x2: 10, y2: 10 }, 0.1)], 100, 100, { minScore: 0 })).toEqual([]);
  });
});

describe('second look', () => {
  const first = face({ x1: 100, y1: 100, x2: 110, y2: 112 }, 0.1);

  it('scores the best face found whose centre lies in the first box', () => {
    const found = [face({ x1: 98, y1: 99, x2: 111, y2: 113 }, 0.55), face({ x1: 130, y1: 100, x2: 140, y2: 110 }, 0.9)];
    expect(recheckedScore(first.box, found)).toBe(0.55);
    expect(recheckedScore(first.box, [])).toBe(0);
  });

  it('lifts a confirmed face, drops an unconfirmed one below the keep score, keeps the rest as they were', () => {
    const kept = face({ x1: 300, y1: 300, x2: 310, y2: 310 }, 0.2);
    const dropped = face({ x1: 500, y1: 500, x2: 510, y2: 510 }, 0.08);
    const strong = face({ x1: 700, y1: 700, x2: 730, y2: 740 }, 0.7);
    const second = new Map([
      [first, 0.6],
      [kept, 0.1],
      [dropped, 0.2],
    ]);
    const out = applyRecheck([first, kept, dropped, strong], second, 0.15, 0.25);
    expect(out).toEqual([{ ...first, score: 0.6 }, kept, strong]);
  });
});
