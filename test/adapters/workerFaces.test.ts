// The face model on a worker thread of its own: the same faces as on the main thread, the same regions blurred
// whether the searches run together or one after the other, and a model that cannot load fails at start.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedactor } from '../../agent/adapters/createRedactor.ts';
import { WorkerDetector } from '../../agent/adapters/workerDetector.ts';
import { YunetFaces } from '../../agent/adapters/detectors/yunetFaces.ts';
import { frameOf, modelsDir, samplesDir } from '../support/frames.ts';
import { assertInputs, describeWithInputs } from '../support/inputs.ts';


describe('WorkerFaces: a face model that cannot load', () => {
  it('is refused at start with the file named, and nothing is left running', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-worker-'));
    writeFileSync(path.join(dir, 'yunet_n_dynamic.onnx'), 'not a model');
    const faces = new WorkerDetector('yunet_n_dynamic', { modelsDir: dir, threads: 1 });
    await expect(faces.start()).rejects.toThrow(/yunet_n_dynamic\.onnx.*(sha256|missing)/);
    expect(faces.models).toEqual([]);
    await expect(faces.detect({ data: Buffer.alloc(12), width: 2, height: 2, capturedAtMs: 0 })).rejects.toThrow(/before start/);
  });

  it('loads and answers when the file is right', async () => {
    assertInputs(path.join(modelsDir, 'yunet_n_dynamic.onnx'));
    const dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-worker-'));
    copyFileSync(path.join(modelsDir, 'yunet_n_dynamic.onnx'), path.join(dir, 'yunet_n_dynamic.onnx'));
    const faces = new WorkerDetector('yunet_n_dynamic', { modelsDir: dir, threads: 1 });
    await faces.start();
    try {
      expect(faces.models.map((m) => m.name)).toEqual(['yunet_n_dynamic']);
      expect(await faces.detect({ data: Buffer.alloc(64 * 64 * 3), width: 64, height: 64, capturedAtMs: 0 })).toEqual([]);
    } finally {
      await faces.close();
    }
  });
});

describeWithInputs('the face model on a worker thread (../shared/samples)', [samplesDir], () => {
  const onWorker = new WorkerDetector('yunet_n_dynamic', { modelsDir, threads: 2, longSide: 1000, scoreThreshold: 0.3 });
  const onMain = new YunetFaces({ modelsDir, threads: 2, longSide: 1000, scoreThreshold: 0.3 });
  beforeAll(async () => {
    await onWorker.start();
    await onMain.start();
  });
  afterAll(async () => {
    await onWorker.close();
    await onMain.close();
  });

  it('finds the same faces as on the main thread, also for frame B after frame A', async () => {
    const a = await frameOf(samplesDir + 'ultraface_5.jpg', { flop: true });
    const b = await frameOf(samplesDir + 'ultraface_5.jpg');
    expect(await onWorker.detect(a)).toEqual(await onMain.detect(a));
    const found = await onWorker.detect(b);
    expect(found.length).toBeGreaterThan(0);
    expect(found).toEqual(await onMain.detect(b));
  });

  it('answers calls made together, each with its own frame', async () => {
    const a = await frameOf(samplesDir + 'ultraface_5.jpg', { flop: true });
    const b = await frameOf(samplesDir + 'ultraface_5.jpg');
    const [fa, fb] = await Promise.all([onWorker.detect(a), onWorker.detect(b)]);
    expect(fa).toEqual(await onMain.detect(a));
    expect(fb).toEqual(await onMain.detect(b));
  });

  it('answers many same-size calls made together, none seeing another call\'s input', async () => {
    const a = await frameOf(samplesDir + 'ultraface_5.jpg', { flop: true });
    const b = await frameOf(samplesDir + 'ultraface_5.jpg');
    const frames = [a, b, a, b];
    const found = await Promise.all(frames.map((f) => onWorker.detect(f)));
    const expected = [await onMain.detect(a), await onMain.detect(b)];
    found.forEach((faces, i) => expect(faces).toEqual(expected[i % 2]));
  });

  it('after stop, a call fails instead of waiting', async () => {
    const faces = new WorkerDetector('yunet_n_dynamic', { modelsDir, threads: 1 });
    await faces.start();
    await faces.close();
    await expect(faces.detect(await frameOf(samplesDir + 'ultraface_5.jpg'))).rejects.toThrow(/before start/);
  });

  it('a worker that dies is started again for the next call; the call it was answering is rejected', async () => {
    const faces = new WorkerDetector('yunet_n_dynamic', { modelsDir, threads: 1, longSide: 1000, scoreThreshold: 0.3 });
    await faces.start();
    try {
      const frame = await frameOf(samplesDir + 'ultraface_5.jpg');
      const before = await faces.detect(frame);
      expect(before.length).toBeGreaterThan(0);
      const inFlight = expect(faces.detect(frame)).rejects.toThrow(/exited/);
      // As a crash would: the thread ends under the call.
      await (faces as unknown as { worker: Worker }).worker.terminate();
      await inFlight;
      expect(await faces.detect(frame)).toEqual(before);
      expect(faces.restarts).toBe(1);
    } finally {
      await faces.close();
    }
  });

  it('a call in flight when the worker goes is rejected (the frame is dropped), not left waiting', async () => {
    const faces = new WorkerDetector('yunet_n_dynamic', { modelsDir, threads: 1, longSide: 1920 });
    await faces.start();
    const inFlight = expect(faces.detect(await frameOf(samplesDir + 'ultraface_5.jpg'))).rejects.toThrow();
    await faces.close();
    await inFlight;
  });
});

describeWithInputs('OnnxRedactor: searches together or one after the other', [samplesDir], () => {
  const together = createRedactor({ jpegQuality: 85 }, { dir: modelsDir, threads: 2 });
  const apart = createRedactor({ jpegQuality: 85, concurrentLanes: false }, { dir: modelsDir, threads: 2 });
  beforeAll(async () => {
    await together.start();
    await apart.start();
  });
  afterAll(async () => {
    await together.stop();
    await apart.stop();
  });

  for (const file of ['city.jpg', 'hyperlpr_test_img.jpg']) {
    it(`${file}: the same regions blurred, every stage timed`, async () => {
      const frame = await frameOf(samplesDir + file);
      const a = await together.redact(frame, []);
      const b = await apart.redact(frame, []);
      expect(a.regions.length).toBeGreaterThan(0);
      expect(a.regions).toEqual(b.regions);
      expect(Object.keys(a.stagesMs ?? {}).sort()).toEqual(['band text', 'blur', 'encoding', 'faces', 'object tiles', 'plates', 'vehicle plates', 'vehicle text']);
    });
  }

  it('a frame after another of the same size (its memory reused): the same JPEG as a redactor that saw only it', async () => {
    const a = await frameOf(samplesDir + 'city.jpg', { flop: true });
    const b = await frameOf(samplesDir + 'city.jpg');
    const fresh = createRedactor({ jpegQuality: 85 }, { dir: modelsDir, threads: 2 });
    await fresh.start();
    try {
      const alone = await fresh.redact(b, []);
      await together.redact(a, []);
      const after = await together.redact(b, []);
      expect(after.regions).toEqual(alone.regions);
      expect(after.jpeg.equals(alone.jpeg)).toBe(true);
    } finally {
      await fresh.stop();
    }
  });
});
