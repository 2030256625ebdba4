// Irreversible blur of rectangular regions in a packed RGB buffer: average into a coarse grid, then interpolate.
import type { Box } from './boxes.ts';

/**
 * Cell size for a region: at most ~4 cells across its short side (a face becomes a 4×4 colour field, a plate's
 * characters each fall on ~2 cells), never finer than 1/16 of its long side. What survives is the grid's
 * average colours only, so no deblurring can bring detail back.
 */
export function cellSizeFor(width: number, height: number): number {
  return Math.max(2, Math.ceil(Math.min(width, height) / 4), Math.ceil(Math.max(width, height) / 16));
}

/** Blurs each box (integer frame pixels, inside the image) of `rgb` in place. */
export function obscureRegions(rgb: Buffer, width: number, height: number, boxes: readonly Box[]): void {
  if (rgb.length !== width * height * 3) throw new Error(`buffer holds ${rgb.length} bytes, expected ${width}x${height}x3`);
  for (const b of boxes) obscureOne(rgb, width, height, b);
}

function obscureOne(rgb: Buffer, width: number, height: number, b: Box): void {
  const x1 = Math.max(0, Math.floor(b.x1));
  const y1 = Math.max(0, Math.floor(b.y1));
  const x2 = Math.min(width, Math.ceil(b.x2));
  const y2 = Math.min(height, Math.ceil(b.y2));
  const w = x2 - x1;
  const h = y2 - y1;
  if (w <= 0 || h <= 0) return;
  const cell = cellSizeFor(w, h);
  const gw = Math.max(1, Math.round(w / cell));
  const gh = Math.max(1, Math.round(h / cell));
  // 1. Mean colour of each grid cell.
  const sums = new Float64Array(gw * gh * 3);
  const counts = new Uint32Array(gw * gh);
  for (let y = 0; y < h; y++) {
    const gy = Math.min(gh - 1, Math.floor((y * gh) / h));
    let p = ((y1 + y) * width + x1) * 3;
    for (let x = 0; x < w; x++, p += 3) {
      const g = gy * gw + Math.min(gw - 1, Math.floor((x * gw) / w));
      sums[3 * g] = sums[3 * g]! + rgb[p]!;
      sums[3 * g + 1] = sums[3 * g + 1]! + rgb[p + 1]!;
      sums[3 * g + 2] = sums[3 * g + 2]! + rgb[p + 2]!;
      counts[g]! += 1;
    }
  }
  for (let g = 0; g < counts.length; g++) {
    const n = counts[g]! || 1;
    sums[3 * g]! /= n;
    sums[3 * g + 1]! /= n;
    sums[3 * g + 2]! /= n;
  }
  // 2. Bilinear interpolation between cell centres: smooth, no block edges for the eye (or a deblocker) to use.
  for (let y = 0; y < h; y++) {
    const fy = Math.min(gh - 1, Math.max(0, ((y + 0.5) * gh) / h - 0.5));
    const ya = Math.floor(fy);
    const yb = Math.min(gh - 1, ya + 1);
    const ty = fy - ya;
    let p = ((y1 + y) * width + x1) * 3;
    for (let x = 0; x < w; x++, p += 3) {
      const fx = Math.min(gw - 1, Math.max(0, ((x + 0.5) * gw) / w - 0.5));
      const xa = Math.floor(fx);
      const xb = Math.min(gw - 1, xa + 1);
      const tx = fx - xa;
      const a = 3 * (ya * gw + xa);
      const bb = 3 * (ya * gw + xb);
      const c = 3 * (yb * gw + xa);
      const d = 3 * (yb * gw + xb);
      for (let k = 0; k < 3; k++) {
        const top = sums[a + k]! * (1 - tx) + sums[bb + k]! * tx;
        const bottom = sums[c + k]! * (1 - tx) + sums[d + k]! * tx;
        rgb[p + k] = Math.round(top * (1 - ty) + bottom * ty);
      }
    }
  }
}
