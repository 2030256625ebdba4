// Model inputs are built in buffers kept from one call to the next; nothing of an earlier frame may reach the next
// model input, or a face seen a frame ago could steer (or hide) what is found in this one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { letterboxTensor, TensorBuffers } from '../../agent/adapters/imageTensor.ts';
import { Y5FU_CROP_MODEL, Y5fuPlates } from '../../agent/adapters/detectors/y5fuPlates.ts';
import { manifestEntry } from '../../agent/adapters/modelFiles.ts';
import { YoloxDetector } from '../../agent/adapters/detectors/yoloxDetector.ts';
import { YunetFaces } from '../../agent/adapters/detectors/yunetFaces.ts';
import { fitToMultiple, letterbox, type Letterbox } from '../../agent/core/detection/letterbox.ts';
import { differing, frameOf, modelsDir, noiseFrame, samplesDir } from '../support/frames.ts';
import { describeWithInputs } from '../support/inputs.ts';

/** A frame of noise (fixed seed): every pixel differs from its neighbours, so a misplaced value shows. */


describe('letterboxTensor into a reused buffer', () => {
  const frame = noiseFrame(300, 200, 7);
  const cases: { name: string; lb: Letterbox; crop?: { left: number; top: number; width: number; height: number }; pad: number; order: 'rgb' | 'bgr'; scale: number }[] = [
    { name: 'centred with pad on two sides, scaled 1/255 (plates)', lb: letterbox(300, 200, 320, 320, 'centre'), pad: 0, order: 'rgb', scale: 1 / 255 },
    { name: 'top-left with grey pad right and below, a crop (objects)', lb: letterbox(120, 80, 96, 96, 'top-left'), crop: { left: 50, top: 30, width: 120, height: 80 }, pad: 114, order: 'bgr', scale: 1 },
    { name: 'full resolution with pad rows below (faces)', lb: fitToMultiple(300, 200, 300, 32), pad: 0, order: 'bgr', scale: 1 },
  ];
  for (const c of cases) {
    it(`${c.name}: the same values as a fresh buffer, whatever the buffer held`, async () => {
      const style = { order: c.order, scale: c.scale, pad: c.pad };
      const fresh = await letterboxTensor(frame, c.lb, style, c.crop);
      // Held the input of another frame…
      const reused = await letterboxTensor(noiseFrame(300, 200, 99), c.lb, style, c.crop);
      expect(differing(await letterboxTensor(frame, c.lb, style, c.crop, reused), fresh)).toBe(0);
      // …or anything at all.
      const dirty = new Float32Array(fresh.length).fill(Number.NaN);
      expect(differing(await letterboxTensor(frame, c.lb, style, c.crop, dirty), fresh)).toBe(0);
    });
  }

  it('refuses a buffer of the wrong size', async () => {
    const lb = letterbox(300, 200, 320, 320, 'centre');
    await expect(letterboxTensor(frame, lb, { order: 'rgb', scale: 1, pad: 0 }, undefined, new Float32Array(10))).rejects.toThrow(/expected 307200/);
  });

  it('lends a buffer to one call at a time: calls running together get different buffers', async () => {
    const buffers = new TensorBuffers();
    const lent: Float32Array[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = buffers.with(12, async (b) => {
      lent.push(b);
      await gate;
    });
    const second = buffers.with(12, async (b) => {
      lent.push(b);
      await gate;
    });
    release();
    await Promise.all([first, second]);
    expect(lent[0]).not.toBe(lent[1]);
    // Afterwards a buffer is lent again rather than allocated.
    await buffers.with(12, async (b) => void expect(lent).toContain(b));
  });

  it('a smaller input is lent a view of exactly its length on an idle larger buffer; a larger one supersedes it', async () => {
    const buffers = new TensorBuffers();
    let big!: Float32Array;
    await buffers.with(12, async (b) => void (big = b));
    await buffers.with(9, async (b) => {
      expect(b.length).toBe(9);
      expect(b.buffer).toBe(big.buffer);
      b.fill(1);
    });
    // Larger than any idle buffer: a new one, which from then on serves both sizes.
    let bigger!: Float32Array;
    await buffers.with(15, async (b) => void (bigger = b));
    expect(bigger.buffer).not.toBe(big.buffer);
    await buffers.with(12, async (b) => void expect(b.buffer).toBe(bigger.buffer));
    await buffers.with(9, async (b) => void expect(b.buffer).toBe(bigger.buffer));
  });

  it('one buffer per length: calls of the same length take turns with it, other lengths do not wait', async () => {
    const buffers = new TensorBuffers(true);
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const lent: Float32Array[] = [];
    const first = buffers.with(12, async (b) => {
      lent.push(b);
      events.push('first in');
      await gate;
      events.push('first out');
    });
    const second = buffers.with(12, async (b) => {
      lent.push(b);
      events.push('second in');
    });
    const other = buffers.with(6, async () => void events.push('other length'));
    await other;
    expect(events).toEqual(['first in', 'other length']);
    release();
    await Promise.all([first, second]);
    expect(events).toEqual(['first in', 'other length', 'first out', 'second in']);
    expect(lent[0]).toBe(lent[1]);
    // A call that fails hands the buffer on all the same.
    await expect(buffers.with(12, async () => Promise.reject(new Error('model failed')))).rejects.toThrow('model failed');
    await buffers.with(12, async (b) => void expect(b).toBe(lent[0]));
  });
});


describeWithInputs('detectors: frame B finds the same with or without frame A before it', [samplesDir], () => {
  const used = {
    faces: new YunetFaces({ modelsDir, threads: 2, longSide: 1000, scoreThreshold: 0.3 }),
    plates: new Y5fuPlates({ modelsDir, threads: 2 }),
    crops: new Y5fuPlates({ modelsDir, threads: 2 }, manifestEntry(Y5FU_CROP_MODEL)),
    objects: new YoloxDetector({ modelsDir, threads: 2 }),
  };
  const fresh = {
    faces: new YunetFaces({ modelsDir, threads: 2, longSide: 1000, scoreThreshold: 0.3 }),
    plates: new Y5fuPlates({ modelsDir, threads: 2 }),
    crops: new Y5fuPlates({ modelsDir, threads: 2 }, manifestEntry(Y5FU_CROP_MODEL)),
    objects: new YoloxDetector({ modelsDir, threads: 2 }),
  };
  const all = [...Object.values(used), ...Object.values(fresh)];
  beforeAll(async () => {
    for (const d of all) await d.start();
  });
  afterAll(async () => {
    for (const d of all) await d.close();
  });

  it('faces (whole frame and a region): A is the mirrored photo, B the photo', async () => {
    const a = await frameOf(samplesDir + 'ultraface_5.jpg', { flop: true });
    const b = await frameOf(samplesDir + 'ultraface_5.jpg');
    const region = { x1: 300, y1: 0, x2: 900, y2: 500 };
    await used.faces.detect(a);
    await used.faces.detect(a, { region });
    const found = await used.faces.detect(b);
    expect(found.length).toBeGreaterThan(0);
    expect(found).toEqual(await fresh.faces.detect(b));
    expect(await used.faces.detect(b, { region })).toEqual(await fresh.faces.detect(b, { region }));
  });

  it('plates and objects: A is a close-up car of another shape, B a street plate photo', async () => {
    const a = await frameOf(samplesDir + 'hyperlpr_test_img.jpg');
    const b = await frameOf(samplesDir + 'openalpr_h786poj.jpg');
    const car = { x1: 584, y1: 320, x2: 1895, y2: 990 };
    await used.plates.detect(a);
    await used.crops.detect(a, { region: car });
    await used.objects.detect(a);
    const plates = await used.plates.detect(b);
    expect(plates.length).toBeGreaterThan(0);
    expect(plates).toEqual(await fresh.plates.detect(b));
    const crop = { x1: 0, y1: 200, x2: 500, y2: 600 };
    expect(await used.crops.detect(b, { region: crop })).toEqual(await fresh.crops.detect(b, { region: crop }));
    const objects = await used.objects.detect(b);
    expect(objects.length).toBeGreaterThan(0);
    expect(objects).toEqual(await fresh.objects.detect(b));
  });
});
