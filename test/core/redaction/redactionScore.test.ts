// The pixel measure that decides whether a face or plate was redacted, on synthetic images with known answers.
import { describe, expect, it } from 'vitest';
import {
  grayFromRgb,
  heightBucket,
  imagePair,
  judgeBox,
  overblurShare,
  recallFigures,
  type BoxResult,
  type GrayImage,
} from '../../../agent/core/redaction/redactionScore.ts';

/** Deterministic texture: a pseudo-random grey field (a stand-in for a plate's characters or a face's edges). */
function noise(width: number, height: number, seed = 7): GrayImage {
  const data = new Uint8Array(width * height);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = 40 + ((s >>> 16) % 176);
  }
  return { data, width, height };
}

function withFlatBox(g: GrayImage, [x1, y1, x2, y2]: number[]): GrayImage {
  const data = Uint8Array.from(g.data);
  for (let y = y1!; y < y2!; y++) for (let x = x1!; x < x2!; x++) data[y * g.width + x] = 128;
  return { ...g, data };
}

describe('grayFromRgb', () => {
  it('uses the ITU-R 601 weights with rounding (as Pillow)', () => {
    const g = grayFromRgb(Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 10, 20, 30]), 5, 1);
    expect([...g.data]).toEqual([76, 150, 29, 255, 18]);
  });
});

describe('judgeBox', () => {
  const before = noise(64, 64);
  it('an untouched box keeps its detail and is not redacted', () => {
    const v = judgeBox(imagePair(before, before), [8, 8, 40, 24]);
    expect(v.ratio).toBeCloseTo(1, 6);
    expect(v.redacted).toBe(false);
  });
  it('a box filled flat has lost its detail', () => {
    const v = judgeBox(imagePair(before, withFlatBox(before, [8, 8, 40, 24])), [8, 8, 40, 24]);
    expect(v.ratio).toBeLessThan(0.5);
    expect(v.redacted).toBe(true);
  });
  it('a box only half covered by the fill keeps enough detail to count as missed', () => {
    const v = judgeBox(imagePair(before, withFlatBox(before, [8, 8, 20, 24])), [8, 8, 40, 24]);
    expect(v.redacted).toBe(false);
  });
  it('refuses images of different sizes', () => {
    expect(() => imagePair(before, noise(32, 32))).toThrow(/sizes differ/);
  });
});

describe('overblurShare', () => {
  const before = noise(128, 64);
  it('is 0 when only the padded truth box was blurred', () => {
    expect(overblurShare(imagePair(before, withFlatBox(before, [48, 16, 80, 48])), [[48, 16, 80, 48]])).toBe(0);
  });
  it('counts the textured 16-px blocks destroyed outside the padded truth', () => {
    // The truth box padded by half its size spans x 0..32, y 8..40: it touches 3×3 of the 8×4 blocks, 23 are
    // left; the fill wipes the right half, 16 of them.
    const share = overblurShare(imagePair(before, withFlatBox(before, [64, 0, 128, 64])), [[8, 16, 24, 32]]);
    expect(share).toBeCloseTo(16 / 23, 6);
  });
});

describe('recallFigures', () => {
  const r = (heightPx: number, redacted: boolean): BoxResult => ({
    image: 'a.jpg',
    kind: 'face',
    box: [0, 0, 10, heightPx],
    heightPx,
    verdict: { ratio: redacted ? 0 : 1, moved: 0, redacted },
  });
  it('splits recall by box height and honours a minimum height', () => {
    const results = [r(5, false), r(12, true), r(19.9, false), r(20, true), r(39, true), r(40, false)];
    expect(heightBucket(19.9)).toBe('10-20');
    const all = recallFigures(results);
    expect(all).toMatchObject({ boxes: 6, redacted: 3, recall: 0.5 });
    expect(all.byHeight).toEqual({ '<10': [0, 1, 0], '10-20': [1, 2, 0.5], '20-40': [2, 2, 1], '>=40': [0, 1, 0] });
    expect(recallFigures(results, 20)).toMatchObject({ boxes: 3, redacted: 2, recall: 0.6667 });
  });
});
