// A point target passed on the right, against real parts: gpsd fed by gpsfake with a drive the test writes, the
// trigger, and a GStreamer camera. A right-facing camera gets frames of it; a left-facing one gets none.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GpsdClient } from '../../agent/adapters/gpsdClient.ts';
import { GstreamerCamera } from '../../agent/adapters/gstreamerCamera.ts';
import { trackToNmea } from '../../agent/core/gps/nmea.ts';
import { Trigger } from '../../agent/core/trigger/trigger.ts';
import { moveAlong, targetInView, type CameraView } from '../../agent/core/trigger/view.ts';
import type { Fix } from '../../agent/ports/gps.ts';
import { startGpsfake } from '../support/gpsd.ts';
import { testLogger } from '../support/logger.ts';
import { activePermitTask } from '../support/tasks.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

const SOUTH = 55.6885;
const NORTH = 55.691;
// 10 m east of the drive line (lon 12.5545, northwards), inside the permit area.
const target = moveAlong({ lon: 12.5545, lat: 55.6897 }, 90, 10);

describe('a point target seen through a real gpsd', () => {
  it('gives frames to a right-facing camera and none to a left-facing one', async () => {
    const nowMs = Date.now();
    const task = activePermitTask(
      {
        id: 'container-12',
        purpose: 'Container permit, Nørrebrogade 12',
        target: { point: [target.lon, target.lat], radiusM: 25 },
        capture: { everyM: 4 },
      },
      ['car'],
    );

    // 280 m northwards at 18 km/h, one fix a second, stamped from now; gpsfake feeds it 5× faster than real time.
    const work = mkdtempSync(path.join(tmpdir(), 'tilsyn-target-'));
    const nmea = path.join(work, 'drive.nmea');
    writeFileSync(nmea, trackToNmea([[12.5545, SOUTH], [12.5545, NORTH]], 18, nowMs).text);
    const gpsd = await startGpsfake(nmea, { cycleS: 0.1 });
    stops.push(() => gpsd.stop());
    const camera = new GstreamerCamera({ source: 'test', fps: 10, width: 320, height: 240 }, testLogger);
    await camera.start(new AbortController().signal);
    stops.push(() => camera.stop());

    const views: Record<string, CameraView> = {
      right: { headingOffsetDeg: 90, fovDeg: 90, rangeM: 30 },
      left: { headingOffsetDeg: -90, fovDeg: 90, rangeM: 30 },
    };
    const cameras = Object.entries(views).map(([name, view]) => {
      const trigger = new Trigger({ everyM: 10, enterFixes: 2, maxErrorM: 30, maxFixAgeMs: 2_000, targetFrames: 3, camera: view });
      trigger.setTasks([task]);
      return { name, view, trigger, frames: [] as Fix[] };
    });

    const gps = new GpsdClient({ port: gpsd.port }, testLogger);
    const fixes: Fix[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    let pending = Promise.resolve();
    gps.onFix((fix) => {
      // The capture service's loop, reduced to what is judged here: decide, take a frame, record it.
      pending = pending.then(async () => {
        const lastMs = fixes.at(-1)?.timeMs ?? -Infinity;
        if (fix.timeMs < lastMs - 1_000) return done(); // gpsfake started the file again
        if (fix.timeMs > lastMs) fixes.push(fix); // gpsd may report an epoch twice (RMC, then GGA)
        for (const c of cameras) {
          if (c.trigger.onFix(fix, Date.now()).fire.length === 0) continue;
          await camera.grab(2_000);
          c.frames.push(fix);
          c.trigger.recordCapture([task.id], fix);
        }
        if (fix.lat >= NORTH - 0.0001) done();
      });
    });
    await gps.start(new AbortController().signal);
    stops.push(() => gps.stop());
    await finished;

    const [right, left] = cameras;
    expect(fixes.length).toBeGreaterThan(40);
    expect(fixes.every((f) => f.trackDeg !== undefined && f.speedMps !== undefined)).toBe(true);
    expect(right!.frames.length).toBeGreaterThanOrEqual(1);
    expect(right!.frames.length).toBeLessThanOrEqual(3);
    expect(left!.frames).toEqual([]);
    // Each frame was taken with the target in the right camera's view, near its axis.
    // They are the best chances of the pass: of all fixes that saw the target, those nearest the lens axis.
    const offCentre = (f: Fix) => targetInView(f, f.trackDeg!, task.target!, views.right!);
    const seen = fixes.filter((f) => offCentre(f).inView);
    const best = [...seen].sort((a, b) => Math.abs(offCentre(a).offCentreDeg) - Math.abs(offCentre(b).offCentreDeg)).slice(0, 3);
    expect(right!.frames.map((f) => f.timeMs).sort()).toEqual(best.map((f) => f.timeMs).sort());
  }, 60_000);
});
