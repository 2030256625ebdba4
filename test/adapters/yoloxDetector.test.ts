import { afterAll, beforeAll, expect, it } from 'vitest';
import { YoloxDetector } from '../../agent/adapters/detectors/yoloxDetector.ts';
import { frameOf, modelsDir, samplesDir } from '../support/frames.ts';
import { describeWithInputs } from '../support/inputs.ts';


describeWithInputs('YoloxDetector on real photos (../shared/samples)', [samplesDir], () => {
  const detector = new YoloxDetector({ modelsDir, threads: 2 });
  beforeAll(() => detector.start());
  afterAll(() => detector.close());

  for (const name of ['hyperlpr_test_img.jpg', 'openalpr_h786poj.jpg']) {
    it(`finds the car in ${name}`, async () => {
      const frame = await frameOf(samplesDir + name);
      const found = await detector.detect(frame);
      const car = found.find((d) => d.label === 'car' && d.score > 0.3);
      expect(car, JSON.stringify(found)).toBeDefined();
      expect(car!.detector).toBe('yolox_nano_416_coco');
      expect(car!.box.x1).toBeGreaterThanOrEqual(0);
      expect(car!.box.x2).toBeLessThanOrEqual(frame.width);
      expect(car!.box.y2).toBeLessThanOrEqual(frame.height);
      // The car fills much of these photos: its box must be in frame pixels, not 416-input pixels.
      expect(car!.box.x2 - car!.box.x1).toBeGreaterThan(frame.width * 0.5);
    });
  }

  it('finds nothing in a flat grey frame', async () => {
    const frame = { data: Buffer.alloc(640 * 480 * 3, 128), width: 640, height: 480, capturedAtMs: 0 };
    expect(await detector.detect(frame)).toEqual([]);
  });
});
