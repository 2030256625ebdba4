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
  const { dstWidth: W, dstHeight: H, resizedWidth: rw, resizedHeight: rh, offsetX: ox, offsetY: oy } = lb;
  const plane = W * H;
  const out = new Float32Array(3 * plane).fill(style.pad * style.scale);
  const bgr = style.order === 'bgr';
  const s = style.scale;
  for (let y = 0; y < rh; y++) {
    let src = y * rw * 3;
    let dst = (y + oy) * W + ox;
    for (let x = 0; x < rw; x++, src += 3, dst++) {
      const r = rgb[src]! * s;
      const g = rgb[src + 1]! * s;
      const b = rgb[src + 2]! * s;
      out[dst] = bgr ? b : r;
      out[plane + dst] = g;
      out[2 * plane + dst] = bgr ? r : b;
    }
  }
  return out;
}
