// Pixel measure of redaction for tests: decodes images to grey and judges boxes with the product's own scorer.
import sharp from 'sharp';
import { grayFromRgb, judgeBox as judge, type BoxVerdict, type GrayImage } from '../../agent/core/redaction/redactionScore.ts';

export { laplacian, type BoxVerdict, type GrayImage } from '../../agent/core/redaction/redactionScore.ts';

export async function decodeGray(input: Buffer | string): Promise<GrayImage> {
  const { data, info } = await sharp(input).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return grayFromRgb(data, info.width, info.height, info.channels);
}

/** Verdict for one [x1, y1, x2, y2] box: redacted when the detail ratio ≤ 0.5 or moved ≥ 25. */
export function judgeBox(before: GrayImage, after: GrayImage, lapBefore: Float32Array, lapAfter: Float32Array, box: readonly number[]): BoxVerdict {
  if (before.width !== after.width || before.height !== after.height) throw new Error('image sizes differ');
  return judge({ before, after, lapBefore, lapAfter }, box);
}
