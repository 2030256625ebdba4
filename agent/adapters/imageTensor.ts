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

  /** Runs `use` with a buffer of exactly `length` floats (contents undefined), returned to the pool afterwards. */
  async with<T>(length: number, use: (buffer: Float32Array) => Promise<T>): Promise<T> {
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
  const padValue = style.pad * style.scale;
  for (let p = 0; p < 3 * plane; p += plane) {
    out.fill(padValue, p, p + oy * W); // rows above the image
    out.fill(padValue, p + (oy + rh) * W, p + plane); // rows below
    if (rw < W) {
      for (let y = oy; y < oy + rh; y++) {
        out.fill(padValue, p + y * W, p + y * W + ox); // left of the image
        out.fill(padValue, p + y * W + ox + rw, p + (y + 1) * W); // right of it
      }
    }
  }
  // Planes in model order: the plane that takes source channel 0 (red) is 0 for RGB models, 2 for BGR ones.
  const r0 = style.order === 'bgr' ? 2 * plane : 0;
  const b0 = style.order === 'bgr' ? 0 : 2 * plane;
  const s = style.scale;
  let src = 0;
  for (let y = 0; y < rh; y++) {
    const row = (y + oy) * W + ox;
    let pr = r0 + row;
    let pg = plane + row;
    let pb = b0 + row;
    const end = pr + rw;
    if (s === 1) {
      while (pr < end) {
        out[pr++] = rgb[src++]!;
        out[pg++] = rgb[src++]!;
        out[pb++] = rgb[src++]!;
      }
    } else {
      while (pr < end) {
        out[pr++] = rgb[src++]! * s;
        out[pg++] = rgb[src++]! * s;
        out[pb++] = rgb[src++]! * s;
      }
    }
  }
  return out;
}
