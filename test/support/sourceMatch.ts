// Tells which of several source images an output image was made from, by comparing small greyscale thumbnails.
import sharp from 'sharp';

async function thumb(input: Buffer | string): Promise<Buffer> {
  return sharp(input).resize(48, 27, { fit: 'fill' }).toColourspace('b-w').raw().toBuffer();
}

export async function closestSource(output: Buffer, sources: readonly string[]): Promise<{ source: string; meanDiff: number }> {
  const out = await thumb(output);
  let best = { source: '', meanDiff: Infinity };
  for (const source of sources) {
    const t = await thumb(source);
    let sum = 0;
    for (let i = 0; i < t.length; i++) sum += Math.abs(t[i]! - out[i]!);
    const meanDiff = sum / t.length;
    if (meanDiff < best.meanDiff) best = { source, meanDiff };
  }
  return best;
}
