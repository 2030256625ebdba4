// The text model's normalisation, written with the values in one pass, gives the very bits of a separate pass.
import { describe, expect, it } from 'vitest';
import { fitToMultiple } from '../../agent/core/detection/letterbox.ts';
import { letterboxTensor, type TensorStyle } from '../../agent/adapters/imageTensor.ts';
import { noiseFrame } from '../support/frames.ts';

const MEAN = [0.485, 0.456, 0.406] as const;
const STD = [0.229, 0.224, 0.225] as const;

/** The normalisation as a second pass over the stored tensor (how the text model's input was built before). */
function normaliseAfter(data: Float32Array, plane: number): Float32Array {
  for (let c = 0; c < 3; c++) {
    const inv = 1 / STD[c]!;
    for (let i = c * plane; i < (c + 1) * plane; i++) data[i] = (data[i]! - MEAN[c]!) * inv;
  }
  return data;
}

describe('letterboxTensor with normalise', () => {
  const frame = noiseFrame(200, 120, 7);
  const plain: TensorStyle = { order: 'rgb', scale: 1 / 255, pad: 0 };
  const normalised: TensorStyle = { ...plain, normalise: { mean: MEAN, std: STD } };
  const cases = [
    ['resized by sharp, padded', { left: 13, top: 9, width: 101, height: 47 }, 160],
    ['enlarged 2× by hand', { left: 32, top: 16, width: 64, height: 32 }, 128],
    ['native size, padded', { left: 0, top: 0, width: 200, height: 120 }, 200],
  ] as const;
  for (const [name, crop, longSide] of cases) {
    it(`writes the same float32 bits as a separate pass: ${name}`, async () => {
      const lb = fitToMultiple(crop.width, crop.height, longSide, 32);
      const want = normaliseAfter(await letterboxTensor(frame, lb, plain, crop), lb.dstWidth * lb.dstHeight);
      // A reused buffer full of something else: every value must be written.
      const got = await letterboxTensor(frame, lb, normalised, crop, new Float32Array(want.length).fill(99));
      expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(want.buffer));
    });
  }
});
