// Pixel measure of redaction (the definition of ../shared/tools/redaction_score.py): detail destroyed in each box.

/** A grey image, one byte per pixel, row after row. */
export interface GrayImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** [x1, y1, x2, y2] in pixels, x2 = x + width. */
export type TruthBox = readonly number[];

/** A box is redacted when its output keeps at most this share of the input's Laplacian std … */
export const DETAIL_KEPT_MAX = 0.5;
/** … or its grey values moved this much on average. */
export const MOVED_MIN = 25;
/** Over-blur is judged on blocks of this size outside the padded truth boxes. */
export const OVERBLUR_BLOCK_PX = 16;
/** Blocks whose input Laplacian std is below this are flat (sky, road): nothing to lose. */
export const OVERBLUR_MIN_TEXTURE = 4;

export const HEIGHT_BUCKETS = ['<10', '10-20', '20-40', '>=40'] as const;
export type HeightBucket = (typeof HEIGHT_BUCKETS)[number];

export function heightBucket(heightPx: number): HeightBucket {
  return heightPx < 10 ? '<10' : heightPx < 20 ? '10-20' : heightPx < 40 ? '20-40' : '>=40';
}

/** Packed RGB → grey with the ITU-R 601 weights in 16-bit fixed point, exactly as Pillow's convert('L'). */
export function grayFromRgb(rgb: Uint8Array, width: number, height: number, channels = 3): GrayImage {
  const out = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < out.length; i++, p += channels) {
    out[i] = (rgb[p]! * 19595 + rgb[p + 1]! * 38470 + rgb[p + 2]! * 7471 + 0x8000) >> 16;
  }
  return { data: out, width, height };
}

/** 3×3 Laplacian (4·centre − 4 neighbours) with edge replication. */
export function laplacian(g: GrayImage): Float32Array {
  const { data, width: w, height: h } = g;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const up = (y > 0 ? y - 1 : 0) * w;
    const row = y * w;
    const down = (y < h - 1 ? y + 1 : h - 1) * w;
    for (let x = 0; x < w; x++) {
      const left = x > 0 ? x - 1 : 0;
      const right = x < w - 1 ? x + 1 : w - 1;
      out[row + x] = 4 * data[row + x]! - data[up + x]! - data[down + x]! - data[row + left]! - data[row + right]!;
    }
  }
  return out;
}

/** Input and output of one image with their Laplacians, computed once and judged for many boxes. */
export interface ImagePair {
  readonly before: GrayImage;
  readonly after: GrayImage;
  readonly lapBefore: Float32Array;
  readonly lapAfter: Float32Array;
}

export function imagePair(before: GrayImage, after: GrayImage): ImagePair {
  if (before.width !== after.width || before.height !== after.height) {
    throw new Error(`image sizes differ: ${before.width}x${before.height} in, ${after.width}x${after.height} out`);
  }
  return { before, after, lapBefore: laplacian(before), lapAfter: laplacian(after) };
}

export interface BoxVerdict {
  /** Laplacian std inside the box, output / input. */
  readonly ratio: number;
  /** Mean |Δgrey| inside the box. */
  readonly moved: number;
  readonly redacted: boolean;
}

/** Verdict for one box (truncated/ceiled to whole pixels and clipped, as the python tool does). */
export function judgeBox(pair: ImagePair, box: TruthBox): BoxVerdict {
  const { before, after, lapBefore, lapAfter } = pair;
  const w = before.width;
  const x1 = Math.max(0, Math.trunc(box[0]!));
  const y1 = Math.max(0, Math.trunc(box[1]!));
  const x2 = Math.min(w, Math.ceil(box[2]!));
  const y2 = Math.min(before.height, Math.ceil(box[3]!));
  if (x2 <= x1 || y2 <= y1) return { ratio: 0, moved: 0, redacted: true };
  const sa = new RunningStd();
  const sb = new RunningStd();
  let moved = 0;
  for (let y = y1; y < y2; y++) {
    for (let i = y * w + x1, end = y * w + x2; i < end; i++) {
      sa.add(lapBefore[i]!);
      sb.add(lapAfter[i]!);
      moved += Math.abs(before.data[i]! - after.data[i]!);
    }
  }
  moved /= (x2 - x1) * (y2 - y1);
  const da = sa.std();
  const ratio = da > 1e-6 ? sb.std() / da : Number.POSITIVE_INFINITY;
  return { ratio, moved, redacted: (da > 1e-6 && ratio <= DETAIL_KEPT_MAX) || moved >= MOVED_MIN };
}

/**
 * Share of textured 16×16 blocks outside the truth boxes (each padded by half its size) whose detail fell below
 * half: blur where no annotated face or plate is. An upper bound, since unannotated faces count too. `onLost` hears
 * the top-left corner of each block lost (lab tools attribute them to what was blurred there).
 */
export function overblurShare(pair: ImagePair, boxes: readonly TruthBox[], onLost?: (x: number, y: number) => void): number {
  const { width: W, height: H } = pair.before;
  const inside = new Uint8Array(W * H);
  for (const [x1, y1, x2, y2] of boxes as number[][]) {
    const px = 0.5 * (x2! - x1!);
    const py = 0.5 * (y2! - y1!);
    const r0 = Math.max(0, Math.trunc(y1! - py));
    const r1 = Math.min(H, Math.trunc(y2! + py + 1));
    const c0 = Math.max(0, Math.trunc(x1! - px));
    const c1 = Math.min(W, Math.trunc(x2! + px + 1));
    for (let y = r0; y < r1; y++) if (c1 > c0) inside.fill(1, y * W + c0, y * W + c1);
  }
  const blk = OVERBLUR_BLOCK_PX;
  let lost = 0;
  let total = 0;
  for (let y = 0; y + blk <= H; y += blk) {
    for (let x = 0; x + blk <= W; x += blk) {
      if (blockTouches(inside, W, x, y, blk)) continue;
      const sa = new RunningStd();
      const sb = new RunningStd();
      for (let yy = y; yy < y + blk; yy++) {
        for (let i = yy * W + x, end = yy * W + x + blk; i < end; i++) {
          sa.add(pair.lapBefore[i]!);
          sb.add(pair.lapAfter[i]!);
        }
      }
      const da = sa.std();
      if (da < OVERBLUR_MIN_TEXTURE) continue;
      total += 1;
      if (sb.std() / da <= DETAIL_KEPT_MAX) {
        lost += 1;
        onLost?.(x, y);
      }
    }
  }
  return total ? lost / total : 0;
}

function blockTouches(mask: Uint8Array, W: number, x: number, y: number, blk: number): boolean {
  for (let yy = y; yy < y + blk; yy++) {
    for (let i = yy * W + x, end = yy * W + x + blk; i < end; i++) if (mask[i]) return true;
  }
  return false;
}

/** Welford's running mean/variance: population std, stable in one pass. */
class RunningStd {
  private n = 0;
  private mean = 0;
  private m2 = 0;
  add(v: number): void {
    this.n += 1;
    const d = v - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (v - this.mean);
  }
  std(): number {
    return this.n ? Math.sqrt(this.m2 / this.n) : 0;
  }
}

/** One judged truth box of a set. */
export interface BoxResult {
  readonly image: string;
  readonly kind: string;
  readonly box: TruthBox;
  readonly heightPx: number;
  readonly verdict: BoxVerdict;
}

export interface RecallFigures {
  readonly boxes: number;
  readonly redacted: number;
  readonly recall: number;
  /** Per height bucket: [redacted, boxes, recall]. */
  readonly byHeight: Partial<Record<HeightBucket, readonly [number, number, number]>>;
}

/** Recall overall and per height bucket, for boxes at least `minHeightPx` tall. */
export function recallFigures(results: readonly BoxResult[], minHeightPx = 0): RecallFigures {
  const counted = results.filter((r) => r.heightPx >= minHeightPx);
  const byHeight: Partial<Record<HeightBucket, [number, number, number]>> = {};
  for (const bucket of HEIGHT_BUCKETS) {
    const inBucket = counted.filter((r) => heightBucket(r.heightPx) === bucket);
    if (inBucket.length === 0) continue;
    const hit = inBucket.filter((r) => r.verdict.redacted).length;
    byHeight[bucket] = [hit, inBucket.length, round(hit / inBucket.length, 3)];
  }
  const redacted = counted.filter((r) => r.verdict.redacted).length;
  return { boxes: counted.length, redacted, recall: counted.length ? round(redacted / counted.length, 4) : Number.NaN, byHeight };
}

export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
