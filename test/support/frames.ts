// Test inputs as the camera hands them over: a picture file decoded to a packed RGB frame.
import sharp from 'sharp';
import type { Frame } from '../../agent/ports/frame.ts';
import { sharedFile } from './inputs.ts';

export const modelsDir = new URL('../../models/', import.meta.url).pathname;
/** The street photos of ../shared/samples (not in the repository). */
export const samplesDir = `${sharedFile('samples')}/`;

/** Decodes an image file to an sRGB frame without alpha; `flop` mirrors it left to right (a second, different frame). */
export async function frameOf(file: string, options: { flop?: boolean; capturedAtMs?: number } = {}): Promise<Frame> {
  let img = sharp(file).toColourspace('srgb').removeAlpha();
  if (options.flop) img = img.flop();
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, capturedAtMs: options.capturedAtMs ?? 0 };
}

/** A frame of reproducible noise (a linear congruential generator from `seed`): every pixel differs from its neighbours. */
export function noiseFrame(width: number, height: number, seed: number): Frame {
  const data = Buffer.alloc(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return { data, width, height, capturedAtMs: 0 };
}

/** Positions where two tensors differ (a count: a failure then prints one number, not 300,000 floats). */
export function differing(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}
