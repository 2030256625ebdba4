// Each model's decoder against golden boxes on one sample photo: a wrong channel order, scale, letterbox offset or
// output layout moves or loses these boxes. Golden values were read off the photos (the face, the plate, the car)
// and recorded from this decoder on onnxruntime-node 1.30 CPU; a few px of tolerance absorbs float noise only.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PicodetDetector } from '../../agent/adapters/detectors/picodetDetector.ts';
import { Y5FU_CROP_MODEL, Y5fuPlates } from '../../agent/adapters/detectors/y5fuPlates.ts';
import { manifestEntry } from '../../agent/adapters/modelFiles.ts';
import { YoloxDetector } from '../../agent/adapters/detectors/yoloxDetector.ts';
import { YunetFaces } from '../../agent/adapters/detectors/yunetFaces.ts';
import { iou, type Box } from '../../agent/core/redaction/boxes.ts';
import type { Detection } from '../../agent/ports/detector.ts';
import { frameOf, modelsDir, samplesDir } from '../support/frames.ts';
import { describeWithInputs } from '../support/inputs.ts';

const TOLERANCE_PX = 3;

function expectGolden(found: readonly Detection[], label: string, golden: Box, score: number): void {
  const near = found.filter(
    (d) =>
      d.label === label &&
      Math.abs(d.box.x1 - golden.x1) <= TOLERANCE_PX &&
      Math.abs(d.box.y1 - golden.y1) <= TOLERANCE_PX &&
      Math.abs(d.box.x2 - golden.x2) <= TOLERANCE_PX &&
      Math.abs(d.box.y2 - golden.y2) <= TOLERANCE_PX,
  );
  expect(near, `no ${label} at ${JSON.stringify(golden)} among ${JSON.stringify(found)}`).toHaveLength(1);
  expect(near[0]!.score).toBeCloseTo(score, 1);
}

describeWithInputs('model decoders against golden boxes (../shared/samples)', [samplesDir], () => {
  const faces = new YunetFaces({ modelsDir, threads: 2, longSide: 1024, scoreThreshold: 0.5 });
  const plates = new Y5fuPlates({ modelsDir, threads: 2 });
  const crops = new Y5fuPlates({ modelsDir, threads: 2 }, manifestEntry(Y5FU_CROP_MODEL));
  const objects = new YoloxDetector({ modelsDir, threads: 2 });
  const picodet = new PicodetDetector({ modelsDir, threads: 2 });
  beforeAll(async () => {
    await faces.start();
    await plates.start();
    await crops.start();
    await objects.start();
    await picodet.start();
  });
  afterAll(async () => {
    await faces.close();
    await plates.close();
    await crops.close();
    await objects.close();
    await picodet.close();
  });

  it('YuNet finds the large face of ultraface_5.jpg where it is, in frame pixels', async () => {
    const found = await faces.detect(await frameOf(samplesDir + 'ultraface_5.jpg'));
    expectGolden(found, 'face', { x1: 501.3, y1: 112.8, x2: 672.2, y2: 356.3 }, 0.95);
  });

  it('YuNet on a region reports boxes in frame pixels (the same face, searched in a crop)', async () => {
    const found = await faces.detect(await frameOf(samplesDir + 'ultraface_5.jpg'), { region: { x1: 400, y1: 50, x2: 800, y2: 450 }, longSide: 512 });
    const face = found.find((d) => d.box.x1 > 480 && d.box.x2 < 700);
    expect(face, JSON.stringify(found)).toBeDefined();
    expect(Math.abs(face!.box.y1 - 112.8)).toBeLessThan(10);
    expect(Math.abs(face!.box.y2 - 356.3)).toBeLessThan(10);
  });

  it('y5fu 640 finds the plate of openalpr_h786poj.jpg on the whole frame', async () => {
    expectGolden(await plates.detect(await frameOf(samplesDir + 'openalpr_h786poj.jpg')), 'plate', { x1: 141.0, y1: 380.1, x2: 292.2, y2: 412.4 }, 0.785);
  });

  it('y5fu 640 zoomed out to half size reports the same plate in frame pixels', async () => {
    const found = await plates.detect(await frameOf(samplesDir + 'openalpr_h786poj.jpg'), { zoom: 0.5 });
    // Half the input pixels per frame pixel: the box is placed about half as finely.
    const plate = found.find((d) => Math.abs(d.box.x1 - 141.0) < 12 && Math.abs(d.box.y1 - 380.1) < 12);
    expect(plate, JSON.stringify(found)).toBeDefined();
    expect(Math.abs(plate!.box.x2 - 292.2)).toBeLessThan(12);
    expect(Math.abs(plate!.box.y2 - 412.4)).toBeLessThan(12);
  });

  it('YOLOX finds the car of hyperlpr_test_img.jpg, and y5fu 320 finds its plate in that crop', async () => {
    const frame = await frameOf(samplesDir + 'hyperlpr_test_img.jpg');
    const found = await objects.detect(frame);
    expectGolden(found, 'car', { x1: 584.9, y1: 320.1, x2: 1895.1, y2: 990.4 }, 0.905);
    const car = found.find((d) => d.label === 'car' && d.score > 0.9)!;
    const inCrop = await crops.detect(frame, { region: car.box });
    expectGolden(inCrop, 'plate', { x1: 1754.8, y1: 742.6, x2: 1871.4, y2: 855.3 }, 0.873);
    // The whole-frame model sees the same plate: both decoders agree on where it is.
    expectGolden(await plates.detect(frame), 'plate', { x1: 1749.9, y1: 741.9, x2: 1869.8, y2: 857.0 }, 0.867);
  });

  it('PicoDet-S finds the same car of hyperlpr_test_img.jpg as YOLOX (centred letterbox, distance bins, frame pixels)', async () => {
    const found = await picodet.detect(await frameOf(samplesDir + 'hyperlpr_test_img.jpg'));
    expectGolden(found, 'car', { x1: 583.3, y1: 327.3, x2: 1892.0, y2: 987.9 }, 0.96);
    const car = found.find((d) => d.label === 'car' && d.score > 0.9)!;
    expect(car.detector).toBe('picodet_s_416_coco_legacy');
    // YOLOX's golden box of that car, hand-checked against the photo.
    expect(iou(car.box, { x1: 584.9, y1: 320.1, x2: 1895.1, y2: 990.4 })).toBeGreaterThan(0.95);
  });

  it('PicoDet-S and YOLOX agree on the persons of city.jpg: each sure PicoDet person is a YOLOX person', async () => {
    const frame = await frameOf(samplesDir + 'city.jpg');
    const fromPicodet = (await picodet.detect(frame)).filter((d) => d.label === 'person' && d.score >= 0.5);
    const fromYolox = (await objects.detect(frame)).filter((d) => d.label === 'person');
    expect(fromPicodet.length).toBeGreaterThanOrEqual(6);
    for (const p of fromPicodet) {
      const best = Math.max(...fromYolox.map((y) => iou(y.box, p.box)));
      expect(best, JSON.stringify(p.box)).toBeGreaterThan(0.75);
    }
  });
});
