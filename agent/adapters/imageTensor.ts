// Turns a frame (or a crop of it) into a letterboxed NCHW float tensor with sharp doing the resampling.
import sharp from 'sharp';
import type { Box } from '../core/redaction/boxes.ts';
import type { Letterbox } from '../core/detection/letterbox.ts';
import type { Frame } from '../ports/frame.ts';

export interface TensorStyle {
  /** Channel order the model was trained on. */
  readonly order: 'rgb' | 'bgr';
  /** Multiplier applied to 0–255 values (1 for raw, 1/255 for unit range). */
  readonly scale: number;
  /** Padding value in 0–255 units. */
  readonly pad: number;
  /**
   * Per plane of the model's input (in its channel order), after `scale`: (value − mean) ÷ std. Written in the same
   * pass as the values (a table of the 256 results per plane), not in a second pass over the tensor.
   */
  readonly normalise?: { readonly mean: readonly [number, number, number]; readonly std: readonly [number, number, number] };
}

/**
 * What each of the 256 byte values becomes in each plane of the model's input, and the pad's value per plane: exactly
 * the float32 values of `v × scale` stored, then `(that − mean) × (1 ÷ std)` stored (the arithmetic of a separate
 * normalising pass over the stored tensor), so a table lookup writes the same bits.
 */
export function planeTables(style: TensorStyle): { tables: [Float32Array, Float32Array, Float32Array]; pads: [number, number, number] } {
  const value = (plane: number, v: number): number => {
    const scaled = Math.fround(v * style.scale);
    const n = style.normalise;
    return n ? Math.fround((scaled - n.mean[plane]!) * (1 / n.std[plane]!)) : scaled;
  };
  const table = (plane: number) => Float32Array.from({ length: 256 }, (_, v) => value(plane, v));
  return { tables: [table(0), table(1), table(2)], pads: [value(0, style.pad), value(1, style.pad), value(2, style.pad)] };
}

/** Whole-pixel crop inside the frame; throws on an empty one (a caller bug, not a frame problem). */
export function cropRect(frame: Frame, region: Box): { left: number; top: number; width: number; height: number } {
  const left = Math.max(0, Math.floor(region.x1));
  const top = Math.max(0, Math.floor(region.y1));
  const right = Math.min(frame.width, Math.ceil(region.x2));
  const bottom = Math.min(frame.height, Math.ceil(region.y2));
  if (right <= left || bottom <= top) throw new Error(`empty crop ${JSON.stringify(region)}`);
  return { left, top, width: right - left, height: bottom - top };
}

/**
 * Input tensors kept from one model call to the next: a 1080p face input is 25 MB of floats, and allocating (and
 * collecting) it per frame costs time and peak memory. A buffer is lent to one call at a time, so calls that run
 * concurrently never share one; every value of a lent buffer is overwritten by letterboxTensor, so nothing of the
 * frame before can reach the next model input. A call is lent the smallest idle buffer that holds its input (as a
 * view of exactly its length when the buffer is larger): the band inputs of the face and text models change size
 * from frame to frame with the rows the band takes, and a new zeroed buffer per size cost page faults and collections.
 */
export class TensorBuffers {
  private readonly idle: Float32Array[] = [];
  /** Per length, the last call holding or waiting for the one buffer of that length (onePerLength only). */
  private readonly last = new Map<number, Promise<void>>();

  /**
   * `onePerLength`: calls for the same length take turns with one buffer instead of each getting its own. For a
   * model whose runs take turns on one thread anyway (the face model: two band parts of 18.7 MB each per frame),
   * that costs no time and holds one large buffer instead of two.
   */
  constructor(private readonly onePerLength = false) {}

  /** Runs `use` with a buffer of exactly `length` floats (contents undefined), returned to the pool afterwards. */
  async with<T>(length: number, use: (buffer: Float32Array) => Promise<T>): Promise<T> {
    if (!this.onePerLength) return this.lend(length, use);
    const before = this.last.get(length);
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    this.last.set(length, mine);
    try {
      if (before) await before;
      return await this.lend(length, use);
    } finally {
      done();
      if (this.last.get(length) === mine) this.last.delete(length);
    }
  }

  private async lend<T>(length: number, use: (buffer: Float32Array) => Promise<T>): Promise<T> {
    let best = -1;
    for (let i = 0; i < this.idle.length; i++) {
      const capacity = this.idle[i]!.length;
      if (capacity >= length && (best < 0 || capacity < this.idle[best]!.length)) best = i;
    }
    let buffer: Float32Array;
    if (best >= 0) {
      buffer = this.idle.splice(best, 1)[0]!;
    } else {
      // Idle buffers of at least half this length are smaller inputs of the same kind (the band a few rows lower):
      // the new one stands in for them from now on.
      for (let i = this.idle.length - 1; i >= 0; i--) if (2 * this.idle[i]!.length >= length) this.idle.splice(i, 1);
      buffer = new Float32Array(length);
    }
    try {
      return await use(buffer.length === length ? buffer : buffer.subarray(0, length));
    } finally {
      // A handful of sizes at most (one per model input kind and lane); the oldest goes when a new one arrives.
      this.idle.push(buffer);
      if (this.idle.length > 4) this.idle.shift();
    }
  }
}

/**
 * Resizes the source (the frame, or `crop` of it — whose size must match lb.src*) to lb.resized*, places it at
 * lb.offset* in a dstWidth×dstHeight canvas filled with the pad value, and returns planar floats [3, H, W] — in
 * `into` when given (every value of it is written), else in a new array. A source at its own size (a crop at 1×)
 * is read straight from the frame, and a 2× enlargement is written by hand: only other scales go through sharp.
 */
export async function letterboxTensor(
  frame: Frame,
  lb: Letterbox,
  style: TensorStyle,
  crop?: { left: number; top: number; width: number; height: number },
  into?: Float32Array,
): Promise<Float32Array> {
  if (frame.data.length !== frame.width * frame.height * 3) {
    throw new Error(`frame buffer holds ${frame.data.length} bytes, expected ${frame.width}x${frame.height}x3`);
  }
  const length = 3 * lb.dstWidth * lb.dstHeight;
  if (into && into.length !== length) throw new Error(`tensor buffer holds ${into.length} floats, expected ${length}`);
  const out = into ?? new Float32Array(length);
  const source = crop ?? { left: 0, top: 0, width: frame.width, height: frame.height };
  const sameSize = lb.resizedWidth === lb.srcWidth && lb.resizedHeight === lb.srcHeight;
  if (sameSize || (lb.resizedWidth === 2 * lb.srcWidth && lb.resizedHeight === 2 * lb.srcHeight)) {
    if (source.width !== lb.srcWidth || source.height !== lb.srcHeight) {
      throw new Error(`crop ${source.width}x${source.height} does not match the letterbox source ${lb.srcWidth}x${lb.srcHeight}`);
    }
    if (source.left < 0 || source.top < 0 || source.left + source.width > frame.width || source.top + source.height > frame.height) {
      throw new Error(`crop ${JSON.stringify(source)} reaches outside the ${frame.width}x${frame.height} frame`);
    }
    const rowBytes = frame.width * 3;
    const start = source.top * rowBytes + source.left * 3;
    return sameSize
      ? planarFloats(frame.data, start, rowBytes, lb, style, out)
      : enlarged2xFloats(frame.data, start, rowBytes, lb, style, out);
  }
  let img = sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } });
  if (crop) img = img.extract(crop);
  const rgb = await img.resize(lb.resizedWidth, lb.resizedHeight, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  if (rgb.length !== lb.resizedWidth * lb.resizedHeight * 3) {
    throw new Error(`resized image holds ${rgb.length} bytes, expected ${lb.resizedWidth}x${lb.resizedHeight}x3`);
  }
  return planarFloats(rgb, 0, lb.resizedWidth * 3, lb, style, out);
}

/** The same memory as 32-bit integers: float values are copied as their bits, with no conversion to and fro. */
function bitsOf(a: Float32Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

/**
 * Packed RGB bytes → planar floats in the model's channel order, placed at lb.offset* in a canvas of the pad value.
 * The image (lb.resized* in size) is read from `rgb` at `start`, `rowBytes` a row: a resized copy, or the frame
 * itself. One pass over the image, three running write positions; each value is its table's float copied as bits.
 * The pad is written only where the image isn't (and always: `out` may hold an earlier input).
 */
function planarFloats(rgb: Uint8Array, start: number, rowBytes: number, lb: Letterbox, style: TensorStyle, out: Float32Array): Float32Array {
  const { dstWidth: W, resizedWidth: rw, resizedHeight: rh, offsetX: ox, offsetY: oy } = lb;
  const { offsets, tables } = padAndPlanes(lb, style, out);
  const [tr, tg, tb] = tables;
  const bits = bitsOf(out);
  for (let y = 0; y < rh; y++) {
    const row = (y + oy) * W + ox;
    let pr = offsets[0] + row;
    let pg = offsets[1] + row;
    let pb = offsets[2] + row;
    const end = pr + rw;
    let s = start + y * rowBytes;
    while (pr < end) {
      bits[pr++] = tr[rgb[s++]!]!;
      bits[pg++] = tg[rgb[s++]!]!;
      bits[pb++] = tb[rgb[s++]!]!;
    }
  }
  return out;
}

/**
 * Pads `out` around the image (padAround), and per source channel (red, green, blue) the offset of the plane it
 * goes to — red to plane 0 for RGB models, plane 2 for BGR ones; green always plane 1 — and its table of value bits.
 */
function padAndPlanes(lb: Letterbox, style: TensorStyle, out: Float32Array): { offsets: [number, number, number]; tables: readonly [Int32Array, Int32Array, Int32Array] } {
  const plane = lb.dstWidth * lb.dstHeight;
  const { bySource, pads } = tablesFor(style);
  padAround(lb, pads, out);
  return { offsets: style.order === 'bgr' ? [2 * plane, plane, 0] : [0, plane, 2 * plane], tables: bySource };
}

/** Each style's tables (as bits, in source channel order: red, green, blue) and pads, built once: a model has one. */
const styleTables = new Map<string, { bySource: readonly [Int32Array, Int32Array, Int32Array]; pads: [number, number, number] }>();

function tablesFor(style: TensorStyle) {
  const n = style.normalise;
  const key = `${style.order} ${style.scale} ${style.pad} ${n ? `${n.mean.join(',')} ${n.std.join(',')}` : ''}`;
  let held = styleTables.get(key);
  if (!held) {
    const { tables, pads } = planeTables(style);
    const [t0, t1, t2] = tables.map(bitsOf) as [Int32Array, Int32Array, Int32Array];
    held = { bySource: style.order === 'bgr' ? [t2, t1, t0] : [t0, t1, t2], pads };
    // A handful of styles at most (one per model); a caller passing many would only rebuild them.
    if (styleTables.size >= 16) styleTables.clear();
    styleTables.set(key, held);
  }
  return held;
}

/** Writes each plane's pad value everywhere in `out` but the lb.resized* image at lb.offset*. */
function padAround(lb: Letterbox, pads: readonly [number, number, number], out: Float32Array): void {
  const { dstWidth: W, dstHeight: H, resizedWidth: rw, resizedHeight: rh, offsetX: ox, offsetY: oy } = lb;
  const plane = W * H;
  for (let i = 0; i < 3; i++) {
    const p = i * plane;
    const padValue = pads[i]!;
    out.fill(padValue, p, p + oy * W); // rows above the image
    out.fill(padValue, p + (oy + rh) * W, p + plane); // rows below
    if (rw < W) {
      for (let y = oy; y < oy + rh; y++) {
        out.fill(padValue, p + y * W, p + y * W + ox); // left of the image
        out.fill(padValue, p + y * W + ox + rw, p + (y + 1) * W); // right of it
      }
    }
  }
}

/**
 * The source (lb.src* in size, read from `rgb` at `start`, `rowBytes` a row) enlarged 2× by bilinear interpolation,
 * written straight into the planes of `out` (padded as planarFloats does). The same bytes as sharp's
 * `resize(2w, 2h, { fit: 'fill', kernel: 'linear' })`: libvips samples output pixel X at source (X − 1) / 2, repeats
 * the edge pixels, and rounds the weighted sum half up (test/adapters/enlarge2x.test.ts holds this against sharp).
 * So with p a source pixel, l the one left of it, u the one above and d the one above-left (each edge repeating
 * itself), p gives four outputs: (2y + 1, 2x + 1) = p; (2y + 1, 2x) = (l + p + 1) >> 1; (2y, 2x + 1) =
 * (u + p + 1) >> 1; (2y, 2x) = (d + u + l + p + 2) >> 2. Written here because the face search enlarges the horizon
 * band 2× on every frame: one pass with no copy, a plane at a time, two output rows per source row.
 */
function enlarged2xFloats(rgb: Uint8Array, start: number, rowBytes: number, lb: Letterbox, style: TensorStyle, out: Float32Array): Float32Array {
  const { dstWidth: W, srcWidth: w, srcHeight: h, offsetX: ox, offsetY: oy } = lb;
  const planes = padAndPlanes(lb, style, out);
  const bits = bitsOf(out);
  for (let c = 0; c < 3; c++) {
    const table = planes.tables[c]!;
    const base = planes.offsets[c]! + oy * W + ox;
    for (let y = 0; y < h; y++) {
      const row = start + y * rowBytes + c;
      const above = y === 0 ? row : row - rowBytes;
      let even = base + 2 * y * W; // output row 2y: between source rows y − 1 and y
      let odd = even + W; // output row 2y + 1: on source row y
      let p = rgb[row]!;
      let u = rgb[above]!;
      // Column 0 lies between pixel 0 and itself.
      bits[even++] = table[(u + p + 1) >> 1]!;
      bits[odd++] = table[p]!;
      bits[even++] = table[(u + p + 1) >> 1]!;
      bits[odd++] = table[p]!;
      for (let x = 1, s = row + 3, a = above + 3; x < w; x++, s += 3, a += 3) {
        const l = p;
        const d = u;
        p = rgb[s]!;
        u = rgb[a]!;
        bits[even++] = table[(d + u + l + p + 2) >> 2]!;
        bits[odd++] = table[(l + p + 1) >> 1]!;
        bits[even++] = table[(u + p + 1) >> 1]!;
        bits[odd++] = table[p]!;
      }
    }
  }
  return out;
}
