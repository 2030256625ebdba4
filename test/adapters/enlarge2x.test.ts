// The face search enlarges the horizon band 2× on every frame, and the text search reads band parts at their own
// size; letterboxTensor does both itself instead of through sharp. The model must see exactly what sharp's bilinear
// resize (or its extract) gave it, value for value, or what is found changes.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { letterboxTensor } from '../../agent/adapters/imageTensor.ts';
import { fitToMultiple, letterbox, type Letterbox } from '../../agent/core/detection/letterbox.ts';
import type { Frame } from '../../agent/ports/frame.ts';
import { differing, noiseFrame } from '../support/frames.ts';


/** The tensor as sharp would have built it: its 2× linear resize, then planar floats in the model's order. */
async function throughSharp(frame: Frame, lb: Letterbox, order: 'rgb' | 'bgr', scale: number, pad: number, crop?: { left: number; top: number; width: number; height: number }): Promise<Float32Array> {
  let img = sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } });
  if (crop) img = img.extract(crop);
  const rgb = await img.resize(lb.resizedWidth, lb.resizedHeight, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  const plane = lb.dstWidth * lb.dstHeight;
  const out = new Float32Array(3 * plane).fill(pad * scale);
  for (let y = 0; y < lb.resizedHeight; y++) {
    for (let x = 0; x < lb.resizedWidth; x++) {
      for (let c = 0; c < 3; c++) {
        const p = order === 'bgr' ? 2 - c : c;
        out[p * plane + (y + lb.offsetY) * lb.dstWidth + x + lb.offsetX] = rgb[(y * lb.resizedWidth + x) * 3 + c]! * scale;
      }
    }
  }
  return out;
}


describe('letterboxTensor enlarging 2× gives the model the values sharp gave it', () => {
  const frame = noiseFrame(331, 157, 11);
  const cases = [
    { name: 'a band part (crop, BGR, padded below to a multiple of 32)', crop: { left: 40, top: 37, width: 203, height: 61 }, order: 'bgr' as const, scale: 1, pad: 0 },
    { name: 'the crop at the frame edges', crop: { left: 331 - 97, top: 157 - 45, width: 97, height: 45 }, order: 'bgr' as const, scale: 1, pad: 0 },
    { name: 'the whole frame, RGB, scaled 1/255, grey pad', order: 'rgb' as const, scale: 1 / 255, pad: 114 },
    { name: 'a crop centred in a square input (pad above and below)', crop: { left: 3, top: 5, width: 97, height: 45 }, order: 'rgb' as const, scale: 1 / 255, pad: 0, square: true },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const srcW = c.crop?.width ?? frame.width;
      const srcH = c.crop?.height ?? frame.height;
      const lb = 'square' in c ? letterbox(srcW, srcH, 2 * srcW, 2 * srcW, 'centre') : fitToMultiple(srcW, srcH, 2 * Math.max(srcW, srcH), 32);
      expect([lb.resizedWidth, lb.resizedHeight]).toEqual([2 * srcW, 2 * srcH]);
      const style = { order: c.order, scale: c.scale, pad: c.pad };
      const expected = await throughSharp(frame, lb, c.order, c.scale, c.pad, c.crop);
      expect(differing(await letterboxTensor(frame, lb, style, c.crop), expected)).toBe(0);
      // Into a buffer that held anything: every value written.
      const dirty = new Float32Array(expected.length).fill(Number.NaN);
      expect(differing(await letterboxTensor(frame, lb, style, c.crop, dirty), expected)).toBe(0);
    });
  }

  it('a flat image stays flat and a single bright pixel spreads as bilinear weights say', async () => {
    const tiny = { data: Buffer.alloc(4 * 4 * 3), width: 4, height: 4, capturedAtMs: 0 };
    tiny.data.fill(200, (2 * 4 + 2) * 3, (2 * 4 + 2) * 3 + 3);
    const lb = fitToMultiple(4, 4, 8, 8);
    const t = await letterboxTensor(tiny, lb, { order: 'rgb', scale: 1, pad: 0 }, undefined);
    const red = (x: number, y: number) => t[y * 8 + x];
    // Output pixel 5 sits on source pixel 2; 4 and 6 halfway to its neighbours; the corners between four pixels.
    expect([red(5, 5), red(4, 5), red(6, 5), red(5, 4), red(4, 4), red(6, 6), red(3, 5), red(7, 7)]).toEqual([200, 100, 100, 100, 50, 50, 0, 0]);
  });
});

describe('letterboxTensor reading a crop at its own size gives the model the values of sharp\'s extract', () => {
  const frame = noiseFrame(331, 157, 5);
  const cases = [
    { name: 'a band part inside the frame, RGB normalised, padded right and below', crop: { left: 17, top: 23, width: 203, height: 61 }, style: { order: 'rgb' as const, scale: 1 / 255, pad: 0, normalise: { mean: [0.485, 0.456, 0.406] as const, std: [0.229, 0.224, 0.225] as const } } },
    { name: 'a crop at the frame\'s bottom-right corner, BGR, grey pad', crop: { left: 331 - 97, top: 157 - 45, width: 97, height: 45 }, style: { order: 'bgr' as const, scale: 1, pad: 114 } },
    { name: 'the whole frame as a crop', crop: { left: 0, top: 0, width: 331, height: 157 }, style: { order: 'bgr' as const, scale: 1, pad: 0 } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const lb = fitToMultiple(c.crop.width, c.crop.height, Math.max(c.crop.width, c.crop.height), 32);
      expect([lb.resizedWidth, lb.resizedHeight]).toEqual([c.crop.width, c.crop.height]);
      const extracted = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } }).extract(c.crop).raw().toBuffer();
      const asFrame = { data: extracted, width: c.crop.width, height: c.crop.height, capturedAtMs: 0 };
      const expected = await letterboxTensor(asFrame, lb, c.style);
      const dirty = new Float32Array(expected.length).fill(Number.NaN);
      expect(differing(await letterboxTensor(frame, lb, c.style, c.crop, dirty), expected)).toBe(0);
    });
  }

  it('refuses a crop that reaches outside the frame', async () => {
    const lb = fitToMultiple(40, 20, 40, 32);
    await expect(letterboxTensor(frame, lb, { order: 'rgb', scale: 1, pad: 0 }, { left: 300, top: 0, width: 40, height: 20 })).rejects.toThrow(/outside/);
  });
});
