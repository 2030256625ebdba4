// A dashcam-dev frame as a camera pitched ~19° further down would see it: the rows searched for far faces must follow
// the camera's geometry to reach its pedestrians. Shared by the redactor's and `tilsyn redact`'s tests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Frame } from '../../agent/ports/frame.ts';
import { sharedFile } from './inputs.ts';

export const TILTED_DIR = path.join(sharedFile('eval'), 'dashcam-dev');
export const TILTED_SOURCE = path.join(TILTED_DIR, '1f2c292e-9e05-4e49-ada2-c9ff3bea0cc0.jpg');
export const TILTED_TRUTH = path.join(TILTED_DIR, 'boxes-face.json');
/** Rows cut off the top (a multiple of 16: the face model's stride grid stays on the same pixels). */
const SHIFT = 288;
/** The camera that sees the frame so: pitch = atan((540 − 202) / 960), the horizon at row ~202 of 1080. */
export const TILTED_CAMERA = { fovDeg: 90, mountHeightM: 1.35, pitchDeg: 19.4 } as const;

/**
 * Everything 288 rows higher, a grey strip below. Its eleven pedestrians' faces (8–26 px) now lie at rows 13–19 %,
 * its horizon at ~19 %.
 */
export async function tiltedFrame(): Promise<{ frame: Frame; jpeg: Buffer; faces: number[][] }> {
  const top = await sharp(TILTED_SOURCE).extract({ left: 0, top: SHIFT, width: 1920, height: 1080 - SHIFT }).toBuffer();
  const jpeg = await sharp({ create: { width: 1920, height: 1080, channels: 3, background: { r: 110, g: 110, b: 110 } } })
    .composite([{ input: top, top: 0, left: 0 }])
    .jpeg({ quality: 95 })
    .toBuffer();
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const image = path.basename(TILTED_SOURCE);
  const truth = (JSON.parse(readFileSync(TILTED_TRUTH, 'utf8')) as { image: string; boxes: number[][] }[]).find((t) => t.image === image)!;
  const faces = truth.boxes.map((b) => [b[0]!, b[1]! - SHIFT, b[2]!, b[3]! - SHIFT]);
  return { frame: { data, width: info.width, height: info.height, capturedAtMs: Date.now() }, jpeg, faces };
}
