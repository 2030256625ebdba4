// A Gaussian blur of one region of a packed RGB frame, as three box filters in each direction: the same spread as the
// Gaussian (its variance), at a cost that does not grow with the spread. Each region reads only its own pixels (its
// edges repeat past it), and nothing outside it is written.

type Rect = { left: number; top: number; width: number; height: number };

/**
 * Widths (odd) of three box filters that, run one after the other, spread a pixel as far as a Gaussian of `sigma`:
 * the sum of their variances, (w² − 1) / 12 each, is σ² (the nearest two odd widths, as many of each as that needs).
 */
export function boxWidthsFor(sigma: number): [number, number, number] {
  const passes = 3;
  const ideal = Math.sqrt((12 * sigma * sigma) / passes + 1);
  let lower = Math.floor(ideal);
  if (lower % 2 === 0) lower--;
  lower = Math.max(1, lower);
  const ofLower = Math.round((12 * sigma * sigma - passes * lower * lower - 4 * passes * lower - 3 * passes) / (-4 * lower - 4));
  const widths = [0, 1, 2].map((i) => (i < ofLower ? lower : lower + 2));
  return widths as [number, number, number];
}

/**
 * Work planes kept from one region to the next, up to this many values (~2.4 MB each): a street frame's regions fit;
 * a larger one (a close-up's head or plate) gets planes of its own, freed with it, so that one large region does not
 * hold its planes for good.
 */
const KEPT_VALUES = 300_000;
let scratch = { a: new Float64Array(0), b: new Float64Array(0) };

/**
 * Blurs `rect` of `rgb` (packed RGB, `width` pixels a row) in place with a Gaussian of `sigma`, three box passes a
 * direction, rounded to bytes once at the end.
 */
export function boxBlurRegion(rgb: Uint8Array, width: number, rect: Rect, sigma: number): void {
  const { left, top, width: w, height: h } = rect;
  const n = w * h * 3;
  let planes = scratch;
  if (planes.a.length < n) {
    planes = { a: new Float64Array(n), b: new Float64Array(n) };
    if (n <= KEPT_VALUES) scratch = planes;
  }
  let src = planes.a;
  let dst = planes.b;
  for (let y = 0; y < h; y++) {
    const from = ((top + y) * width + left) * 3;
    for (let i = 0; i < w * 3; i++) src[y * w * 3 + i] = rgb[from + i]!;
  }
  const widths = boxWidthsFor(sigma);
  // Rows: each channel of each row is a line of w values, 3 apart.
  for (const k of widths) {
    for (let y = 0; y < h; y++) for (let c = 0; c < 3; c++) boxLine(src, dst, y * w * 3 + c, 3, w, k);
    [src, dst] = [dst, src];
  }
  // Columns: each channel of each column is a line of h values, a row apart.
  for (const k of widths) {
    for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) boxLine(src, dst, x * 3 + c, w * 3, h, k);
    [src, dst] = [dst, src];
  }
  for (let y = 0; y < h; y++) {
    const to = ((top + y) * width + left) * 3;
    for (let i = 0; i < w * 3; i++) {
      const v = Math.round(src[y * w * 3 + i]!);
      rgb[to + i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
}

/** One line with its ends repeated past them, kept from one line to the next. */
let padded = new Float64Array(0);

/**
 * The mean over a window `k` wide (odd) centred on each of the `n` values of a line (`offset`, `stride` apart) of
 * `src`, into the same places of `dst`; the line's end values repeat past its ends. A running sum over the line
 * padded with its ends: one add and one subtract a value, whatever `k`.
 */
function boxLine(src: Float64Array, dst: Float64Array, offset: number, stride: number, n: number, k: number): void {
  const r = (k - 1) / 2;
  const len = n + 2 * r + 1;
  if (padded.length < len) padded = new Float64Array(len);
  const line = padded;
  const first = src[offset]!;
  const end = src[offset + (n - 1) * stride]!;
  line.fill(first, 0, r);
  for (let i = 0, q = offset; i < n; i++, q += stride) line[r + i] = src[q]!;
  line.fill(end, r + n, len);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += line[j]!;
  const inv = 1 / k;
  for (let i = 0, q = offset; i < n; i++, q += stride) {
    dst[q] = sum * inv;
    sum += line[i + k]! - line[i]!;
  }
}
