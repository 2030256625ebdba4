// The camera sleeps away from task areas: a real GStreamer pipeline started on approach and stopped after.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GstreamerCamera } from '../../agent/adapters/gstreamerCamera.ts';
import { NmeaFileGps } from '../../agent/adapters/nmeaFileGps.ts';
import { distanceToBorderM } from '../../agent/core/geo/areaIndex.ts';
import { insideArea } from '../../agent/core/geo/geo.ts';
import { trackToNmea } from '../../agent/core/gps/nmea.ts';
import { TaskRegistry } from '../../agent/core/tasks/taskRegistry.ts';
import { Trigger } from '../../agent/core/trigger/trigger.ts';
import { systemClock } from '../../agent/ports/clock.ts';
import type { Fix } from '../../agent/ports/gps.ts';
import { CameraArming } from '../../agent/services/cameraArming.ts';
import { testLogger } from '../support/logger.ts';
import { activePermitTask } from '../support/tasks.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe('CameraArming', () => {
  it('runs the camera only while an active task area is near', async () => {
    const task = activePermitTask();
    const area = task.area;
    const registry = new TaskRegistry();
    registry.upsert(task);

    // From 1 km south of the area, through it, to 1 km north: 2.1 km at 36 km/h, replayed 40× faster.
    const work = mkdtempSync(path.join(tmpdir(), 'tilsyn-arming-'));
    writeFileSync(path.join(work, 'drive.nmea'), trackToNmea([[12.5545, 55.68], [12.5545, 55.6995]], 36, Date.now()).text);
    const gps = new NmeaFileGps({ path: path.join(work, 'drive.nmea'), speed: 40 }, systemClock, testLogger);
    const camera = new GstreamerCamera({ source: 'test', fps: 10, width: 320, height: 240 }, testLogger);
    const arming = new CameraArming(
      { armDistanceM: 150, armSeconds: 5, disarmMarginM: 50 },
      { gps, registry, trigger: new Trigger({ everyM: 10, enterFixes: 2, maxErrorM: 15, maxFixAgeMs: 2_000 }), camera, clock: systemClock, logger: testLogger },
    );
    const signal = new AbortController().signal;
    await arming.start(signal);
    stops.push(() => arming.stop());

    const seen: { fix: Fix; armed: boolean; frame: boolean }[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const checks: Promise<void>[] = [];
    gps.onFix((fix) => {
      // Look at the camera a moment after the fix, once the arming step for it has run. Grabs run side by side: each
      // waits for the next frame the camera delivers.
      checks.push(
        (async () => {
          await new Promise((r) => setTimeout(r, 5));
          const armed = arming.stats().armed;
          const frame = await camera.grab(2000).then(() => true, () => false);
          seen.push({ fix, armed, frame });
        })(),
      );
      if (fix.lat >= 55.6994) done();
    });
    await gps.start(signal);
    stops.push(() => gps.stop());
    await finished;
    await Promise.all(checks);

    const far = seen.filter((s) => !insideArea(s.fix, area) && distanceToBorderM(s.fix, area) > 300);
    const inside = seen.filter((s) => insideArea(s.fix, area) && distanceToBorderM(s.fix, area) > 20);
    expect(far.length).toBeGreaterThan(50);
    expect(inside.length).toBeGreaterThan(5);
    expect(far.filter((s) => s.armed || s.frame)).toEqual([]);
    expect(inside.every((s) => s.armed && s.frame)).toBe(true);
    const stats = arming.stats();
    expect(stats).toMatchObject({ armed: false, starts: 1 });
    expect(stats.onMs).toBeGreaterThan(0);
    await expect(camera.grab(200)).rejects.toThrow(/not started/);
  }, 60_000);
});
