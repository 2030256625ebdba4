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
 * frame before can reach the next model input.
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
    const i = this.idle.findIndex((b) => b.length === length);
    const buffer = i >= 0 ? this.idle.splice(i, 1)[0]! : new Float32Array(length);
    try {
      return await use(buffer);
    } finally {
      // A handful of sizes at most (one per model input size and lane); the oldest goes when a new size arrives.
      this.idle.push(buffer);
      if (this.idle.length > 4) this.idle.shift();
    }
  }
}

/**
 * Resizes the source (the frame, or `crop` of it — whose size must match lb.src*) to lb.resized*, places it at
 * lb.offset* in a dstWidth×dstHeight canvas filled with the pad value, and returns planar floats [3, H, W] — in
 * `into` when given (every value of it is written), else in a new array.
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
  const sameSize = lb.resizedWidth === lb.srcWidth && lb.resizedHeight === lb.srcHeight;
  if (lb.resizedWidth === 2 * lb.srcWidth && lb.resizedHeight === 2 * lb.srcHeight) {
    const source = crop ?? { left: 0, top: 0, width: frame.width, height: frame.height };
    if (source.width !== lb.srcWidth || source.height !== lb.srcHeight) {
      throw new Error(`crop ${source.width}x${source.height} does not match the letterbox source ${lb.srcWidth}x${lb.srcHeight}`);
    }
    return enlarged2xFloats(frame, source, lb, style, into ?? new Float32Array(length));
  }
  let rgb: Uint8Array;
  if (sameSize && !crop) {
    rgb = frame.data;
  } else {
    let img = sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } });
    if (crop) img = img.extract(crop);
    if (!sameSize) img = img.resize(lb.resizedWidth, lb.resizedHeight, { fit: 'fill', kernel: 'linear' });
    rgb = await img.raw().toBuffer();
  }
  return planarFloats(rgb, lb, style, into ?? new Float32Array(length));
}

/**
 * Packed RGB bytes (lb.resized* in size) → planar floats in the model's channel order, placed at lb.offset* in a
 * canvas of the pad value. One pass over the image, three running write positions; the pad is written only where
 * the image isn't (and always: `out` may hold an earlier input).
 */
function planarFloats(rgb: Uint8Array, lb: Letterbox, style: TensorStyle, out: Float32Array): Float32Array {
  const { dstWidth: W, dstHeight: H, resizedWidth: rw, resizedHeight: rh, offsetX: ox, offsetY: oy } = lb;
  if (rgb.length !== rw * rh * 3) throw new Error(`resized image holds ${rgb.length} bytes, expected ${rw}x${rh}x3`);
  const plane = W * H;
  const { r0, b0, tr, tg, tb } = padAndPlanes(lb, style, out);
  let src = 0;
  for (let y = 0; y < rh; y++) {
    const row = (y + oy) * W + ox;
    let pr = r0 + row;
    let pg = plane + row;
    let pb = b0 + row;
    const end = pr + rw;
    while (pr < end) {
      out[pr++] = tr[rgb[src++]!]!;
      out[pg++] = tg[rgb[src++]!]!;
      out[pb++] = tb[rgb[src++]!]!;
    }
  }
  return out;
}

/**
 * Pads `out` around the image (padAround) and says where source channels go: the offsets of the planes that take
 * red (r0) and blue (b0) — red goes to plane 0 for RGB models, plane 2 for BGR ones; green is always plane 1 — and
 * the value tables of red, green and blue.
 */
function padAndPlanes(lb: Letterbox, style: TensorStyle, out: Float32Array) {
  const plane = lb.dstWidth * lb.dstHeight;
  const { tables, pads } = planeTables(style);
  padAround(lb, pads, out);
  const bgr = style.order === 'bgr';
  return {
    r0: bgr ? 2 * plane : 0,
    b0: bgr ? 0 : 2 * plane,
    tr: tables[bgr ? 2 : 0],
    tg: tables[1],
    tb: tables[bgr ? 0 : 2],
  };
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
 * The source (`src` of the frame) enlarged 2× by bilinear interpolation, written straight into the planes of `out`
 * (padded as planarFloats does). The same bytes as sharp's `resize(2w, 2h, { fit: 'fill', kernel: 'linear' })`:
 * libvips samples output pixel X at source (X − 1) / 2, repeats the edge pixels, and rounds the weighted sum half up
 * (test/adapters/enlarge2x.test.ts holds this against sharp). Written here because the face search enlarges the
 * horizon band 2× on every frame: sharp spent ~19 ms per band part on it, and its 4.5 MB RGB copy was then read
 * once more into floats; this is one pass with no copy.
 */
function enlarged2xFloats(frame: Frame, src: { left: number; top: number; width: number; height: number }, lb: Letterbox, style: TensorStyle, out: Float32Array): Float32Array {
  const { dstWidth: W, dstHeight: H, offsetX: ox, offsetY: oy } = lb;
  const w = src.width;
  const h = src.height;
  const plane = W * H;
  const { r0, b0, tr, tg, tb } = padAndPlanes(lb, style, out);
  const data = frame.data;
  // Per source row, the horizontal pair sums of its 2w output columns, interleaved RGB: column 2i + 1 sits on
  // pixel i (twice its value), column 2i between pixels i − 1 and i (the first repeats pixel 0).
  let above = new Uint16Array(2 * w * 3);
  let row = new Uint16Array(2 * w * 3);
  const sumRow = (y: number, sums: Uint16Array) => {
    const p = ((src.top + y) * frame.width + src.left) * 3;
    for (let c = 0; c < 3; c++) sums[c] = sums[3 + c] = 2 * data[p + c]!;
    for (let i = 1, q = p + 3, k = 6; i < w; i++, q += 3, k += 6) {
      for (let c = 0; c < 3; c++) {
        const v = data[q + c]!;
        sums[k + c] = data[q - 3 + c]! + v;
        sums[k + 3 + c] = 2 * v;
      }
    }
  };
  /** Output row `y`: (a + b + 2) >> 2 per value (b = a for a row on a source row: then (2a + 2) >> 2 = (a + 1) >> 1). */
  const writeRow = (y: number, a: Uint16Array, b: Uint16Array) => {
    const base = (y + oy) * W + ox;
    let pr = r0 + base;
    let pg = plane + base;
    let pb = b0 + base;
    for (let k = 0, n = a.length; k < n; k += 3) {
      out[pr++] = tr[(a[k]! + b[k]! + 2) >> 2]!;
      out[pg++] = tg[(a[k + 1]! + b[k + 1]! + 2) >> 2]!;
      out[pb++] = tb[(a[k + 2]! + b[k + 2]! + 2) >> 2]!;
    }
  };
  for (let j = 0; j < h; j++) {
    sumRow(j, row);
    // Row 2j lies between source rows j − 1 and j (the first repeats row 0), row 2j + 1 on row j.
    writeRow(2 * j, j === 0 ? row : above, row);
    writeRow(2 * j + 1, row, row);
    [above, row] = [row, above];
  }
  return out;
}
