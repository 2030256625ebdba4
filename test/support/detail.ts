// Pixel measure of redaction, the same as ../shared/tools/redaction_score.py: did the box lose its fine detail?
import sharp from 'sharp';

export interface GrayImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export async function decodeGray(input: Buffer | string): Promise<GrayImage> {
  const { data, info } = await sharp(input).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected 1 grey channel, got ${info.channels}`);
  return { data, width: info.width, height: info.height };
}

/** 3×3 Laplacian (4·centre − 4 neighbours) with edge replication. */
export function laplacian(g: GrayImage): Float32Array {
  const { data, width: w, height: h } = g;
  const out = new Float32Array(w * h);
  const at = (x: number, y: number) => data[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))]!;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      out[y * w + x] = 4 * at(x, y) - at(x, y - 1) - at(x, y + 1) - at(x - 1, y) - at(x + 1, y);
    }
  }
  return out;
}

export interface BoxVerdict {
  /** std of the Laplacian inside the box, output / input. */
  readonly ratio: number;
  /** mean |Δgrey| inside the box. */
  readonly moved: number;
  readonly redacted: boolean;
}

/** Verdict for one [x1, y1, x2, y2] box: redacted when ratio ≤ 0.5 or moved ≥ 25. */
export function judgeBox(
  before: GrayImage,
  after: GrayImage,
  lapBefore: Float32Array,
  lapAfter: Float32Array,
  box: readonly number[],
): BoxVerdict {
  if (before.width !== after.width || before.height !== after.height) throw new Error('image sizes differ');
  const w = before.width;
  const x1 = Math.max(0, Math.trunc(box[0]!));
  const y1 = Math.max(0, Math.trunc(box[1]!));
  const x2 = Math.min(w, Math.ceil(box[2]!));
  const y2 = Math.min(before.height, Math.ceil(box[3]!));
  const la: number[] = [];
  const lb: number[] = [];
  let moved = 0;
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) {
      const i = y * w + x;
      la.push(lapBefore[i]!);
      lb.push(lapAfter[i]!);
      moved += Math.abs(before.data[i]! - after.data[i]!);
    }
  }
  const n = la.length;
  if (n === 0) return { ratio: 0, moved: 0, redacted: true };
  moved /= n;
  const da = std(la);
  const ratio = da > 1e-6 ? std(lb) / da : Number.POSITIVE_INFINITY;
  return { ratio, moved, redacted: (da > 1e-6 && ratio <= 0.5) || moved >= 25 };
}

function std(v: readonly number[]): number {
  let mean = 0;
  for (const x of v) mean += x;
  mean /= v.length;
  let s = 0;
  for (const x of v) s += (x - mean) ** 2;
  return Math.sqrt(s / v.length);
}
