// A GPS feed days ahead of the system clock, live through a real gpsd (a pty it reads, sentences written once a
// second): no frame is taken, the status is degraded with a reason naming the skew. Then the same drive stamped with
// the current time takes frames and the status is ok again: the guard blocks on the skew, not on the drive.
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GpsdClient } from '../../agent/adapters/gpsdClient.ts';
import { GstreamerCamera } from '../../agent/adapters/gstreamerCamera.ts';
import { createRedactor } from '../../agent/adapters/createRedactor.ts';
import { SqliteEvidenceQueue } from '../../agent/adapters/sqliteEvidenceQueue.ts';
import { YoloxDetector } from '../../agent/adapters/detectors/yoloxDetector.ts';
import { driveAlong } from '../../agent/core/gps/nmea.ts';
import { statusSchema } from '../../agent/core/tasks/messages.ts';
import { TaskRegistry } from '../../agent/core/tasks/taskRegistry.ts';
import { Trigger } from '../../agent/core/trigger/trigger.ts';
import { systemClock } from '../../agent/ports/clock.ts';
import { CaptureService } from '../../agent/services/captureService.ts';
import { ClockGuard } from '../../agent/services/clockGuard.ts';
import { GpsMonitor } from '../../agent/services/gpsMonitor.ts';
import { describeWithInputs } from '../support/inputs.ts';
import { startLiveGpsd } from '../support/liveGpsd.ts';
import { testLogger } from '../support/logger.ts';
import { statusReportFor } from '../support/statusParts.ts';
import { activePermitTask } from '../support/tasks.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const photo = path.join(repoRoot, '../shared/samples/hyperlpr_test_img.jpg');
const modelsDir = path.join(repoRoot, 'models');
const THREE_DAYS_MS = 3 * 86_400_000;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describeWithInputs('the clock checked against GPS time, over a live gpsd', [photo], () => {
  it('takes no frame while GPS time is days ahead, says so in the status; takes frames once the clocks agree', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'tilsyn-clock-'));
    mkdirSync(path.join(work, 'frames'));
    symlinkSync(photo, path.join(work, 'frames', 'street.jpg'));
    const registry = new TaskRegistry();
    registry.upsert(activePermitTask({ lookFor: ['car'] }));

    const gpsd = await startLiveGpsd();
    stops.push(() => gpsd.stop());
    const signal = new AbortController().signal;
    const gps = new GpsdClient({ port: gpsd.port }, testLogger);
    const camera = new GstreamerCamera({ source: 'file', path: path.join(work, 'frames'), fps: 5, width: 1920, height: 1080 }, testLogger);
    const objects = new YoloxDetector({ modelsDir, threads: 2 });
    const redactor = createRedactor({ jpegQuality: 85 }, { dir: modelsDir, threads: 2 });
    const queue = new SqliteEvidenceQueue({ dataDir: path.join(work, 'data'), nowMs: () => Date.now() }, testLogger);
    await queue.start();
    stops.push(() => queue.stop());
    await Promise.all([objects.start(), redactor.start()]);
    await camera.start(signal);
    stops.push(() => camera.stop());
    const guard = new ClockGuard({ maxSkewMs: 5_000 }, gps, systemClock, testLogger);
    const monitor = new GpsMonitor(gps, systemClock);
    const trigger = new Trigger({ everyM: 5, enterFixes: 2, maxErrorM: 30, maxFixAgeMs: 3_000, maxAheadMs: 5_000 });
    const capture = new CaptureService(
      { vehicleId: 'v1', fleetId: 'f1', grabTimeoutMs: 3_000 },
      { gps, registry, trigger, camera, objects, redactor, queue, clock: systemClock, logger: testLogger, clockUsable: () => guard.usable() },
    );
    await guard.start();
    await monitor.start();
    await capture.start();
    await gps.start(signal);
    stops.push(async () => {
      await gps.stop();
      await capture.stop();
      await monitor.stop();
      await guard.stop();
    });
    const report = statusReportFor(
      { gps: () => monitor.condition(), capture: () => capture.stats, clockCheck: () => guard.condition() },
      { noFixMs: 60_000, minFreeBytes: 0, maxClockSkewMs: 5_000 },
    );

    // Through the permit area at 18 km/h, one fix a second, each written the moment it is due.
    const points = driveAlong([[12.5535, 55.6893], [12.5555, 55.6902]], { speedKmh: 18, startMs: 0 });
    const drive = async (offsetMs: number, fixes: number) => {
      for (const p of points.slice(0, fixes)) {
        gpsd.send({ ...p, timeMs: Date.now() + offsetMs });
        await new Promise((r) => setTimeout(r, 1_000));
      }
    };

    await drive(THREE_DAYS_MS, 10);
    const skewed = report.collect();
    expect(statusSchema.safeParse(skewed).success).toBe(true);
    expect(capture.stats.fixes).toBeGreaterThanOrEqual(5); // gpsd did deliver the fixes…
    expect(capture.stats.triggers).toBe(0); // …and none fired the camera
    expect(capture.stats.framesCaptured).toBe(0);
    expect(queue.counts().pending).toBe(0);
    expect(capture.stats.fixesRejectedBy['clock-skew'] + capture.stats.fixesRejectedBy.future).toBe(capture.stats.fixes);
    expect(skewed.health).toBe('degraded');
    expect(skewed.reasons).toEqual([expect.stringMatching(/^system clock behind GPS time by 3\.0 d \(-2592\d\d s\): no frames are taken$/)]);
    expect(skewed).toMatchObject({ clock: { maxSkewS: 5, skewed: true } });

    await drive(0, 10);
    await capture.stop(); // finishes the frame in hand
    const agreed = report.collect();
    expect(capture.stats.framesCaptured).toBeGreaterThanOrEqual(1);
    expect(agreed.health).toBe('ok');
    expect(agreed).toMatchObject({ clock: { skewed: false } });
    expect(Math.abs((agreed as { clock: { skewS: number } }).clock.skewS)).toBeLessThan(5);
  }, 90_000);
});
