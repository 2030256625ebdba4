// Turns a frame (or a crop of it) into a letterboxed NCHW float tensor with sharp doing the resampling.
import sharp from 'sharp';
import type { Box } from '../core/boxes.ts';
import type { Letterbox } from '../core/letterbox.ts';
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
 * Resizes the source (the frame, or `crop` of it — whose size must match lb.src*) to lb.resized*, places it at
 * lb.offset* in a dstWidth×dstHeight canvas filled with the pad value, and returns planar floats [3, H, W].
 */
export async function letterboxTensor(
  frame: Frame,
  lb: Letterbox,
  style: TensorStyle,
  crop?: { left: number; top: number; width: number; height: number },
): Promise<Float32Array> {
  if (frame.data.length !== frame.width * frame.height * 3) {
    throw new Error(`frame buffer holds ${frame.data.length} bytes, expected ${frame.width}x${frame.height}x3`);
  }
  let img = sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } });
  if (crop) img = img.extract(crop);
  const rgb =
    lb.resizedWidth === lb.srcWidth && lb.resizedHeight === lb.srcHeight && !crop
      ? frame.data
      : await img.resize(lb.resizedWidth, lb.resizedHeight, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  return planarFloats(rgb, lb, style);
}

/**
 * Packed RGB bytes (lb.resized* in size) → planar floats in the model's channel order, placed at lb.offset* in a
 * canvas of the pad value. One pass, three running write positions; the pad is written only where the image isn't.
 */
function planarFloats(rgb: Uint8Array, lb: Letterbox, style: TensorStyle): Float32Array {
  const { dstWidth: W, dstHeight: H, resizedWidth: rw, resizedHeight: rh, offsetX: ox, offsetY: oy } = lb;
  const plane = W * H;
  const out = new Float32Array(3 * plane);
  const padValue = style.pad * style.scale;
  if (padValue !== 0 && (rw < W || rh < H)) out.fill(padValue);
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
