// The blur written by hand spreads a region at least as far as libvips' Gaussian of the same sigma, reads and writes
// only the region's own pixels.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { boxBlurRegion, boxWidthsFor } from '../../agent/adapters/boxBlur.ts';

/** Noise: every pixel unlike its neighbours, the worst case for what a blur leaves. */
function noise(w: number, h: number, seed = 11): Buffer {
  const rgb = Buffer.alloc(w * h * 3);
  let s = seed;
  for (let i = 0; i < rgb.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    rgb[i] = s >>> 24;
  }
  return rgb;
}

/** Mean squared difference between horizontal and vertical neighbours: the detail left. */
function detail(rgb: Uint8Array, w: number, h: number): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < h - 1; y++) {
    for (let x = 0; x < w - 1; x++) {
      for (let c = 0; c < 3; c++) {
        const v = rgb[(y * w + x) * 3 + c]!;
        sum += (v - rgb[(y * w + x + 1) * 3 + c]!) ** 2 + (v - rgb[((y + 1) * w + x) * 3 + c]!) ** 2;
        n += 2;
      }
    }
  }
  return sum / n;
}

describe('boxBlurRegion', () => {
  it('three box widths whose variances add up to sigma squared', () => {
    for (const sigma of [3, 4.5, 7, 12, 25, 60, 110]) {
      const variance = boxWidthsFor(sigma).reduce((v, w) => v + (w * w - 1) / 12, 0);
      expect(Math.abs(Math.sqrt(variance) - sigma) / sigma, `sigma ${sigma}`).toBeLessThan(0.07);
      for (const w of boxWidthsFor(sigma)) expect(w % 2).toBe(1);
    }
  });

  for (const [w, h, sigma] of [
    [24, 30, 3],
    [60, 60, 30],
    [120, 24, 30],
    [345, 170, 86],
  ] as const) {
    it(`leaves no more detail than libvips' Gaussian of the same sigma: ${w}×${h}, sigma ${sigma}`, async () => {
      const src = noise(w, h);
      const ours = Buffer.from(src);
      boxBlurRegion(ours, w, { left: 0, top: 0, width: w, height: h }, sigma);
      const theirs = await sharp(src, { raw: { width: w, height: h, channels: 3 } }).blur(sigma).raw().toBuffer();
      expect(detail(src, w, h)).toBeGreaterThan(3000);
      expect(detail(ours, w, h)).toBeLessThanOrEqual(detail(theirs, w, h) * 1.05 + 0.5);
    });
  }

  it('reads only the region and writes only the region', () => {
    const W = 80;
    const H = 60;
    const rect = { left: 20, top: 10, width: 30, height: 25 };
    const a = noise(W, H, 1);
    const b = noise(W, H, 2);
    // The same region's pixels in both frames, different pixels all round it.
    for (let y = rect.top; y < rect.top + rect.height; y++) {
      a.copy(b, (y * W + rect.left) * 3, (y * W + rect.left) * 3, (y * W + rect.left + rect.width) * 3);
    }
    const beforeA = Buffer.from(a);
    boxBlurRegion(a, W, rect, 8);
    boxBlurRegion(b, W, rect, 8);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 3;
        const inside = x >= rect.left && x < rect.left + rect.width && y >= rect.top && y < rect.top + rect.height;
        if (inside) expect(a.subarray(i, i + 3)).toEqual(b.subarray(i, i + 3));
        else expect(a.subarray(i, i + 3)).toEqual(beforeA.subarray(i, i + 3));
      }
    }
    expect(a.equals(beforeA)).toBe(false);
  });
});
