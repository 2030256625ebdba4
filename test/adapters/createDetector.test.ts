// Detectors built by manifest name; the scene-text model on a plate photo; a closed redactor refuses frames.
import { describe, expect, it } from 'vitest';
import { createDetector, loadAdapter } from '../../agent/adapters/createDetector.ts';
import { createRedactor } from '../../agent/adapters/createRedactor.ts';
import { manifestEntry } from '../../agent/adapters/modelFiles.ts';
import { iou } from '../../agent/core/redaction/boxes.ts';
import { frameOf, modelsDir, samplesDir } from '../support/frames.ts';
import { describeWithInputs } from '../support/inputs.ts';

describe('createDetector', () => {
  it('knows a model by its manifest name: job and labels at once, nothing loaded yet', () => {
    const text = createDetector('ppocrv3_det_en', { modelsDir, threads: 1 });
    expect(text.job).toBe('text');
    expect(text.labels).toEqual(['text']);
    expect(text.models).toEqual([]);
    expect(createDetector('yolox_nano_416_coco', { modelsDir, threads: 1 }).labels).toContain('car');
  });
  it('refuses a model not in the manifest, and an adapter name that is not a file of adapters/detectors', async () => {
    expect(() => createDetector('no_such_model', { modelsDir, threads: 1 })).toThrow(/not in .*manifest\.json/);
    await expect(loadAdapter({ ...manifestEntry('yunet_n_dynamic'), adapter: '../onnxRedactor' })).rejects.toThrow(/manifest "adapter"/);
    await expect(loadAdapter({ ...manifestEntry('yunet_n_dynamic'), adapter: 'noSuchAdapter' })).rejects.toThrow(/could not be loaded/);
  });
  it('refuses settings that give a model the wrong job', () => {
    expect(() => createRedactor({ models: { faces: 'yolox_nano_416_coco' } }, { dir: modelsDir, threads: 1 })).toThrow(/models\.faces.*objects model/);
    expect(() => createRedactor({ faces: { longSide: 'big' } }, { dir: modelsDir, threads: 1 })).toThrow(/faces\.longSide/);
  });
});

describeWithInputs('scene text (PP-OCRv3 DB) on a plate photo', [samplesDir], () => {
  it('finds the plate\'s characters as a line over the plate, and nothing after close()', async () => {
    const text = createDetector('ppocrv3_det_en', { modelsDir, threads: 2 });
    await text.start();
    try {
      const frame = await frameOf(samplesDir + 'openalpr_h786poj.jpg');
      const plate = { x1: 141, y1: 380, x2: 292, y2: 412 };
      const found = await text.detect(frame, { region: { x1: 0, y1: 250, x2: 450, y2: 550 }, longSide: 320 });
      expect(found.every((d) => d.label === 'text' && d.detector === 'ppocrv3_det_en')).toBe(true);
      expect(Math.max(...found.map((d) => iou(d.box, plate)))).toBeGreaterThan(0.4);
    } finally {
      await text.close();
    }
    await expect(text.detect(await frameOf(samplesDir + 'openalpr_h786poj.jpg'))).rejects.toThrow(/before start|after close/);
  }, 120_000);

  it('a redactor after close() refuses to redact (fail closed) and has released its models', async () => {
    const redactor = createRedactor({}, { dir: modelsDir, threads: 1 });
    await redactor.start();
    expect(redactor.models.map((m) => m.name)).toContain('ppocrv3_det_en');
    await redactor.close();
    expect(redactor.models).toEqual([]);
    await expect(redactor.redact(await frameOf(samplesDir + 'city.jpg'), [])).rejects.toThrow(/after close/);
  }, 120_000);
});
