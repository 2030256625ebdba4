// Asking the right model, with real parts: a drive fed to a real gpsd by gpsfake, a GStreamer camera over a street
// photo, YOLOX-nano and PicoDet-S, the redactor and the SQLite queue. Each task's minConfidence is set from YOLOX's
// own score on the camera's frame, so YOLOX is unsure for sure: the frame goes to PicoDet, whose answer stands, and
// every answer is counted per task and model.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { GpsdClient } from '../../agent/adapters/gpsdClient.ts';
import { GstreamerCamera } from '../../agent/adapters/gstreamerCamera.ts';
import { routableModel } from '../../agent/adapters/modelFiles.ts';
import { createRedactor } from '../../agent/adapters/createRedactor.ts';
import { PICODET_MODEL, PicodetDetector } from '../../agent/adapters/detectors/picodetDetector.ts';
import { SqliteEvidenceQueue } from '../../agent/adapters/sqliteEvidenceQueue.ts';
import { YOLOX_MODEL, YoloxDetector } from '../../agent/adapters/detectors/yoloxDetector.ts';
import type { ObservationMessage } from '../../agent/core/tasks/messages.ts';
import { bestScoreFor } from '../../agent/core/detection/modelRouting.ts';
import { trackToNmea } from '../../agent/core/gps/nmea.ts';
import { TaskRegistry } from '../../agent/core/tasks/taskRegistry.ts';
import { Trigger } from '../../agent/core/trigger/trigger.ts';
import { systemClock } from '../../agent/ports/clock.ts';
import { CaptureService } from '../../agent/services/captureService.ts';
import { ModelRouter } from '../../agent/services/modelRouter.ts';
import { startGpsfake } from '../support/gpsd.ts';
import { testLogger } from '../support/logger.ts';
import { activePermitTask } from '../support/tasks.ts';
import { describeWithInputs } from '../support/inputs.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const photo = path.join(repoRoot, '../shared/samples/hyperlpr_test_img.jpg');
const modelsDir = path.join(repoRoot, 'models');
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describeWithInputs('asking the right model, against gpsd, GStreamer and both models', [photo, path.join(modelsDir, 'picodet_s_416_coco_legacy.onnx')], () => {
  it('an unsure YOLOX answer escalates to PicoDet, whose answer is the outcome; the counts add up', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'tilsyn-routing-'));
    const framesDir = path.join(work, 'frames');
    mkdirSync(framesDir);
    symlinkSync(photo, path.join(framesDir, 'street.jpg'));
    const signal = new AbortController().signal;

    const camera = new GstreamerCamera({ source: 'file', path: framesDir, fps: 5, width: 1920, height: 1080 }, testLogger);
    const yolox = new YoloxDetector({ modelsDir, threads: 2 });
    const picodet = new PicodetDetector({ modelsDir, threads: 2 });
    const redactor = createRedactor({ jpegQuality: 85 }, { dir: modelsDir, threads: 2 });
    await Promise.all([yolox.start(), picodet.start(), redactor.start()]);
    stops.push(() => yolox.close(), () => picodet.close());
    await camera.start(signal);
    stops.push(() => camera.stop());

    // Both models' best scores on the very frame the camera delivers (the same photo, decoded the same way each time).
    const sample = await camera.grab(5_000);
    const [fromYolox, fromPicodet] = [await yolox.detect(sample), await picodet.detect(sample)];
    const scores = (label: string) => ({ yolox: bestScoreFor([label], fromYolox), picodet: bestScoreFor([label], fromPicodet) });
    const car = scores('car');
    const bicycle = scores('bicycle');
    // The band is centred on YOLOX's score (minConfidence = that score) and half as wide as the gap to PicoDet's, so
    // YOLOX is unsure and PicoDet, twice the margin away, is sure.
    const marginScore = Math.min(Math.abs(car.picodet - car.yolox), Math.abs(bicycle.picodet - bicycle.yolox)) / 2;
    expect(marginScore, JSON.stringify({ car, bicycle })).toBeGreaterThan(0.01);
    const expected = (s: { yolox: number; picodet: number }) => (s.picodet > s.yolox ? 'found' : 'not_found');

    const registry = new TaskRegistry();
    const labels = ['car', 'bicycle', 'giraffe'];
    registry.upsert(activePermitTask({ id: 'cars', lookFor: ['car'], minConfidence: car.yolox }, labels));
    registry.upsert(activePermitTask({ id: 'bicycles', lookFor: ['bicycle'], minConfidence: bicycle.yolox, keep: 'none' }, labels));
    // YOLOX is sure there is no giraffe: PicoDet is never asked for this task.
    registry.upsert(activePermitTask({ id: 'giraffes', lookFor: ['giraffe'], keep: 'none' }, labels));

    const router = new ModelRouter({ marginScore }, testLogger);
    router.use(routableModel(YOLOX_MODEL), yolox);
    router.use(routableModel(PICODET_MODEL), picodet);
    const observations: ObservationMessage[] = [];
    const queue = new SqliteEvidenceQueue({ dataDir: path.join(work, 'data'), nowMs: () => Date.now() }, testLogger);
    await queue.start();
    stops.push(() => queue.stop());

    // 12 fixes 10 m apart inside the task area, stamped from now, one a second as gpsfake feeds them (a frame with
    // two models and redaction takes about a second on a loaded machine; fixes meanwhile find the camera busy).
    const nmea = path.join(work, 'drive.nmea');
    writeFileSync(nmea, trackToNmea([[12.5535, 55.6893], [12.5552, 55.69]], 36, Date.now()).text);
    const gpsd = await startGpsfake(nmea, { cycleS: 0.5 });
    stops.push(() => gpsd.stop());
    const gps = new GpsdClient({ port: gpsd.port }, testLogger);
    const capture = new CaptureService(
      { vehicleId: 'v1', fleetId: 'f1', grabTimeoutMs: 3_000 },
      {
        gps,
        registry,
        // Fixes reach the trigger as old as gpsfake's start-up took: allow for it.
        trigger: new Trigger({ everyM: 10, enterFixes: 2, maxErrorM: 30, maxFixAgeMs: 10_000 }),
        camera,
        objects: yolox,
        redactor,
        queue,
        clock: systemClock,
        logger: testLogger,
        observations: { record: (o) => observations.push(o) },
        router,
      },
    );
    await capture.start();
    await gps.start(signal);
    stops.push(() => gps.stop());
    const deadline = Date.now() + 20_000;
    while (capture.stats.framesCaptured < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await capture.stop();

    const frames = capture.stats.framesCaptured;
    expect(frames, gpsd.output()).toBeGreaterThanOrEqual(2);
    const tasks = router.status(new Set(['cars', 'bicycles', 'giraffes'])).tasks;
    for (const [id, s] of [['cars', car], ['bicycles', bicycle]] as const) {
      const y = tasks[id]!.models[YOLOX_MODEL]!;
      const p = tasks[id]!.models[PICODET_MODEL]!;
      // Every frame: YOLOX unsure, handed on; PicoDet sure; the outcome is PicoDet's.
      expect(y).toMatchObject({ asked: frames, found: 0, notFound: 0, unsure: frames, escalated: frames });
      expect(p.asked).toBe(y.escalated);
      expect(expected(s) === 'found' ? p.found : p.notFound).toBe(frames);
      for (const c of [y, p]) expect(c.found + c.notFound + c.unsure).toBe(c.asked);
      expect(p.ms).toBeGreaterThan(0);
      expect(tasks[id]!.outcomes[expected(s)]).toBe(frames);
      const reported = observations.filter((o) => o.taskId === id);
      expect(reported.map((o) => o.outcome)).toEqual(Array(frames).fill(expected(s)));
    }
    expect(tasks.giraffes!.models).toEqual({ [YOLOX_MODEL]: expect.objectContaining({ asked: frames, notFound: frames, escalated: 0 }) });
    expect(tasks.giraffes!.outcomes).toEqual({ found: 0, not_found: frames, uncertain: 0 });

    // A kept frame's evidence names PicoDet among the models that decided it, and carries PicoDet's score.
    if (expected(car) === 'found') {
      const item = queue.nextDue(Date.now());
      expect(item?.meta.taskId).toBe('cars');
      expect(item!.meta.models.map((m) => m.name)).toEqual(expect.arrayContaining([YOLOX_MODEL, PICODET_MODEL]));
      const found = item!.meta.found.find((f) => f.label === 'car')!;
      expect(found.score).toBeCloseTo(car.picodet, 3);
    }
  }, 90_000);
});
