// Obscuring cannot be undone: judged by the pixel measure, and by what is left of the region's content.
import { describe, expect, it } from 'vitest';
import { blurSigmaFor, obscureRegions } from '../../agent/adapters/sharpObscure.ts';
import { grayFromRgb, imagePair, judgeBox } from '../../agent/core/redaction/redactionScore.ts';

const W = 320;
const H = 200;

/** A synthetic "plate": dark 2-px strokes on white, like characters, over a textured background. */
function scene(): Buffer {
  const rgb = Buffer.alloc(W * H * 3);
  let s = 3;
  for (let i = 0; i < W * H; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const v = 60 + ((s >>> 16) % 140);
    rgb[3 * i] = v;
    rgb[3 * i + 1] = (v * 7) % 256;
    rgb[3 * i + 2] = 255 - v;
  }
  for (let y = 100; y < 120; y++) {
    for (let x = 100; x < 200; x++) {
      const stroke = x % 8 < 2 || (y - 100) % 10 < 2;
      rgb.fill(stroke ? 20 : 240, 3 * (y * W + x), 3 * (y * W + x) + 3);
    }
  }
  return rgb;
}

const plate = { x1: 100, y1: 100, x2: 200, y2: 120 };
const face = { x1: 20, y1: 20, x2: 44, y2: 50 };

describe('overlapping face regions', () => {
  // Two faces of a crowd side by side: the neighbour's region reaches into the first face's.
  const first = { x1: 60, y1: 40, x2: 140, y2: 120 };
  const neighbour = { x1: 110, y1: 70, x2: 190, y2: 150 };
  /** Mean step between the columns either side of the neighbour's left edge, in the rows where it crosses the first. */
  const stepAcrossEdge = (rgb: Buffer) => {
    let sum = 0;
    for (let y = neighbour.y1; y < first.y2; y++) sum += Math.abs(rgb[3 * (y * W + neighbour.x1)]! - rgb[3 * (y * W + neighbour.x1 - 1)]!);
    return sum / (first.y2 - neighbour.y1);
  };

  it('a face and the face or head region it overlaps are blurred as one field: no step where one edge crosses the other', async () => {
    const before = scene();
    const joined = Buffer.from(before);
    await obscureRegions(joined, W, H, [first, neighbour], 'blur', ['face', 'face']);
    const apart = Buffer.from(before);
    await obscureRegions(apart, W, H, [first, neighbour], 'blur', ['head-region', 'head-region']);
    expect(stepAcrossEdge(joined)).toBeLessThan(2);
    expect(stepAcrossEdge(apart)).toBeGreaterThan(2 * stepAcrossEdge(joined));
    const pair = imagePair(grayFromRgb(before, W, H), grayFromRgb(joined, W, H));
    for (const b of [first, neighbour]) expect(judgeBox(pair, [b.x1, b.y1, b.x2, b.y2]).redacted).toBe(true);
    // Nothing outside the two regions changes, not even inside the rectangle round them.
    for (const [x, y] of [[60, 149], [189, 40], [0, 0], [319, 199]] as const) {
      for (let c = 0; c < 3; c++) expect(joined[3 * (y * W + x) + c]).toBe(before[3 * (y * W + x) + c]);
    }
  });

  it('other kinds keep being blurred one after the other, as without kinds', async () => {
    const before = scene();
    const plain = Buffer.from(before);
    await obscureRegions(plain, W, H, [first, neighbour], 'blur');
    for (const kinds of [['head-region', 'head-region'], ['face', 'plate'], ['plate-zone', 'face']] as const) {
      const withKinds = Buffer.from(before);
      await obscureRegions(withKinds, W, H, [first, neighbour], 'blur', kinds);
      expect(withKinds.equals(plain)).toBe(true);
    }
  });
});

describe('obscureRegions', () => {
  for (const style of ['blur', 'gaussian', 'fill'] as const) {
    it(`${style}: every region loses its detail, nothing outside changes`, async () => {
      const before = scene();
      const after = Buffer.from(before);
      await obscureRegions(after, W, H, [plate, face], style);
      const pair = imagePair(grayFromRgb(before, W, H), grayFromRgb(after, W, H));
      for (const b of [plate, face]) {
        const v = judgeBox(pair, [b.x1, b.y1, b.x2, b.y2]);
        // Far below the measure's 0.5: a heavy blur, not a light one.
        expect(v.ratio, JSON.stringify(v)).toBeLessThan(0.15);
        expect(v.redacted).toBe(true);
      }
      let changedOutside = 0;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const inside = [plate, face].some((b) => x >= b.x1 && x < b.x2 && y >= b.y1 && y < b.y2);
          if (!inside && after.compare(before, 3 * (y * W + x), 3 * (y * W + x) + 3, 3 * (y * W + x), 3 * (y * W + x) + 3) !== 0) changedOutside += 1;
        }
      }
      expect(changedOutside).toBe(0);
    });
  }

  it('blur leaves no character stroke: the plate row profile is flat', async () => {
    const after = scene();
    await obscureRegions(after, W, H, [plate], 'blur');
    // Along the middle row the strokes alternate 20/240 every 8 px; after the blur the spread is a few levels.
    const row = 110;
    const values = [];
    for (let x = 110; x < 190; x++) values.push(after[3 * (row * W + x)]!);
    expect(Math.max(...values) - Math.min(...values)).toBeLessThan(25);
  });

  it('fill leaves one colour only', async () => {
    const after = scene();
    await obscureRegions(after, W, H, [face], 'fill');
    const colours = new Set<string>();
    for (let y = face.y1; y < face.y2; y++) for (let x = face.x1; x < face.x2; x++) colours.add(after.subarray(3 * (y * W + x), 3 * (y * W + x) + 3).toString('hex'));
    expect(colours.size).toBe(1);
  });

  it('clips boxes at the frame edge and skips ones wholly outside', async () => {
    const after = scene();
    await obscureRegions(after, W, H, [{ x1: -10, y1: -10, x2: 12, y2: 12 }, { x1: 400, y1: 0, x2: 500, y2: 10 }], 'blur');
    expect(after.equals(scene())).toBe(false);
  });

  it('refuses a buffer of the wrong size (the frame is then dropped)', async () => {
    await expect(obscureRegions(Buffer.alloc(10), W, H, [face])).rejects.toThrow(/expected 320x200x3/);
  });

  it('scales the blur with the region', () => {
    expect(blurSigmaFor(8, 8)).toBe(4);
    expect(blurSigmaFor(100, 20)).toBe(25);
    expect(blurSigmaFor(2, 2)).toBe(3);
  });
});
