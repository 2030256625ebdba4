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
