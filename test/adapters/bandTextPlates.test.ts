// Plates found as text in the frame band, judged from pixels: a plate of a car the object model misses loses its
// detail; lettering below the horizon that is no plate (a sandwich board's lines, plate-sized) keeps it.
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedactor } from '../../agent/adapters/createRedactor.ts';
import { YoloxDetector } from '../../agent/adapters/detectors/yoloxDetector.ts';
import { decodeGray, judgeBox, laplacian } from '../support/detail.ts';
import { frameOf, modelsDir } from '../support/frames.ts';
import { describeWithInputs, sharedFile } from '../support/inputs.ts';

const romania = sharedFile('eval', 'plates-romania-dev', 'dayride_type1_001_t1054.jpg');
const dashcam = sharedFile('eval', 'dashcam-dev', '4f3a2493-1f4a-41ef-a296-a1a2b3bdcb39.jpg');

describeWithInputs('plates as text in the frame band (../shared/eval)', [romania, dashcam], () => {
  const objects = new YoloxDetector({ modelsDir, threads: 2 });
  const redactor = createRedactor({ jpegQuality: 85 }, { dir: modelsDir, threads: 2 });
  const off = createRedactor({ jpegQuality: 85, text: { bandSearch: false } }, { dir: modelsDir, threads: 2 });
  beforeAll(async () => {
    await objects.start();
    await redactor.start();
    await off.start();
  });
  afterAll(async () => {
    await off.stop();
    await redactor.stop();
    await objects.close();
  });

  async function verdicts(file: string, boxes: readonly number[][], withBand = true) {
    const frame = await frameOf(file, { capturedAtMs: Date.now() });
    const out = await (withBand ? redactor : off).redact(frame, await objects.detect(frame));
    const before = await decodeGray(file);
    const after = await decodeGray(out.jpeg);
    const lapBefore = laplacian(before);
    const lapAfter = laplacian(after);
    return { out, verdicts: boxes.map((b) => judgeBox(before, after, lapBefore, lapAfter, b)) };
  }

  it('the plate of a car close ahead that the object model does not find loses its detail, and only with the band search', async () => {
    const plate = [556, 373, 622, 389]; // 16 px high, annotated
    const found = await verdicts(romania, [plate]);
    expect(found.verdicts[0]!.redacted, JSON.stringify(found.verdicts[0])).toBe(true);
    expect(found.out.regions.some((r) => r.kind === 'plate' && r.detector.startsWith('ppocr'))).toBe(true);
    const without = await verdicts(romania, [plate], false);
    expect(without.verdicts[0]!.redacted).toBe(false);
  });

  it('the lines of a sandwich board below the horizon, plate-sized, keep their detail (the plate model does not confirm them)', async () => {
    // Text lines the text model finds on the board (frame pixels): 2–4 times as wide as high, 20–40 px, rows 51–67 %.
    const lettering = [
      [1369, 550, 1451, 586],
      [1364, 585, 1458, 625],
      [1371, 623, 1456, 664],
      [1294, 637, 1346, 660],
      [1375, 707, 1454, 728],
    ];
    const { out, verdicts: v } = await verdicts(dashcam, lettering);
    expect(v.map((x) => x.redacted)).toEqual(lettering.map(() => false));
    expect(out.regions.filter((r) => r.detector.startsWith('ppocr')).every((r) => r.box.x2 < 1290 || r.box.x1 > 1460)).toBe(true);
  });
});
