// A real GStreamer camera whose source goes away mid-run (the JPEGs it plays are removed): the status turns degraded
// naming the camera, the pipeline is restarted with growing pauses, and once the source is back frames flow again
// and the status is ok — the agent never stops.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { GstreamerCamera } from '../../agent/adapters/gstreamerCamera.ts';
import { statusSchema } from '../../agent/core/tasks/messages.ts';
import { TaskRegistry } from '../../agent/core/tasks/taskRegistry.ts';
import { Trigger } from '../../agent/core/trigger/trigger.ts';
import { systemClock } from '../../agent/ports/clock.ts';
import type { FixListener, GpsSource } from '../../agent/ports/gps.ts';
import { CameraArming } from '../../agent/services/cameraArming.ts';
import { CameraSupervisor } from '../../agent/services/cameraSupervisor.ts';
import { testLogger } from '../support/logger.ts';
import { activePermitTask } from '../support/tasks.ts';
import { statusReportFor } from '../support/statusParts.ts';
import { eventually } from '../support/taskAgent.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** A GPS that reports what the test tells it to: the vehicle parked inside the task area. */
function parkedGps(): GpsSource & { emit(): void } {
  const listeners = new Set<FixListener>();
  return {
    async start() {},
    async stop() {},
    onFix(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit() {
      for (const l of listeners) l({ timeMs: Date.now(), lat: 55.6897, lon: 12.5545, mode: 3, speedMps: 0, horizontalErrorM: 4 });
    },
  };
}

describe('camera supervision', () => {
  it('restarts a stalled GStreamer source with backoff, reports degraded meanwhile, and recovers', async () => {
    const task = activePermitTask();
    const registry = new TaskRegistry();
    registry.upsert(task);

    // The camera plays a folder of JPEGs; the originals are kept aside to put back later.
    const work = mkdtempSync(path.join(tmpdir(), 'tilsyn-stall-'));
    const frames = path.join(work, 'frames');
    const spare = path.join(work, 'spare');
    mkdirSync(frames);
    mkdirSync(spare);
    for (const [name, r] of [['a.jpg', 200], ['b.jpg', 40]] as const) {
      const jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r, g: 90, b: 90 } } }).jpeg().toBuffer();
      writeFileSync(path.join(spare, name), jpeg);
      copyFileSync(path.join(spare, name), path.join(frames, name));
    }
    stops.push(async () => rmSync(work, { recursive: true, force: true }));

    const gps = parkedGps();
    const camera = new GstreamerCamera({ source: 'file', path: frames, fps: 10, width: 320, height: 240, watchdogMs: 1_000 }, testLogger);
    const arming = new CameraArming(
      { armDistanceM: 150, armSeconds: 5, disarmMarginM: 50 },
      { gps, registry, trigger: new Trigger({ everyM: 10, enterFixes: 2, maxErrorM: 15, maxFixAgeMs: 2_000 }), camera, clock: systemClock, logger: testLogger },
    );
    const supervisor = new CameraSupervisor({ checkEveryMs: 100, backoff: { minMs: 300, maxMs: 2_000 } }, camera, arming, systemClock, testLogger);
    const report = statusReportFor({
      camera: () => camera.condition(),
      arming: () => arming.stats(),
      supervisor: () => supervisor.stats,
    });
    const signal = new AbortController().signal;
    await arming.start(signal);
    stops.push(() => arming.stop());
    await supervisor.start();
    stops.push(() => supervisor.stop());

    gps.emit();
    await eventually(() => expect(camera.condition().state).toBe('running'), 30_000);
    expect(report.collect()).toMatchObject({ health: 'ok', reasons: [], camera: { state: 'running', armed: true } });

    // The source goes away: no frames, the camera is marked failed and restarted, again and again while it is gone.
    for (const name of readdirSync(frames)) rmSync(path.join(frames, name));
    await eventually(() => {
      const status = report.collect();
      expect(status.health).toBe('degraded');
      expect(status.reasons.join()).toMatch(/^camera failing: /);
    }, 30_000);
    await eventually(() => expect(supervisor.stats.restarts).toBeGreaterThanOrEqual(3), 30_000);
    const degraded = report.collect();
    expect(statusSchema.safeParse(degraded).success).toBe(true);
    expect(degraded.health).toBe('degraded');
    expect(['failed', 'starting']).toContain(degraded.camera?.state);
    expect(degraded.camera?.restarts).toBeGreaterThanOrEqual(3);
    expect(degraded.camera?.lastError).toBeTruthy();
    expect(supervisor.stats.failuresInRow).toBeGreaterThanOrEqual(3);

    // Back: the next restart finds frames, and the status is ok again.
    for (const name of readdirSync(spare)) copyFileSync(path.join(spare, name), path.join(frames, name));
    await eventually(() => expect(camera.condition().state).toBe('running'), 30_000);
    await eventually(() => expect(report.collect()).toMatchObject({ health: 'ok', reasons: [] }), 10_000);
    await eventually(() => expect(supervisor.stats.failuresInRow).toBe(0), 10_000);
    await expect(camera.grab(2_000)).resolves.toMatchObject({ width: 320, height: 240 });
  }, 120_000);

  it('does not restart a camera that is not wanted (stopped outside task areas)', async () => {
    const camera = new GstreamerCamera({ source: 'file', path: '/nonexistent/frames', fps: 10, width: 320, height: 240 }, testLogger);
    let restarts = 0;
    const supervisor = new CameraSupervisor(
      { checkEveryMs: 50, backoff: { minMs: 50, maxMs: 100 } },
      camera,
      { stats: () => ({ armed: false }), restart: async () => void (restarts += 1) },
      systemClock,
      testLogger,
    );
    await camera.start(new AbortController().signal);
    stops.push(() => camera.stop());
    await eventually(() => expect(camera.condition().state).toBe('failed'), 10_000);
    await supervisor.start();
    stops.push(() => supervisor.stop());
    await new Promise((r) => setTimeout(r, 600));
    expect(restarts).toBe(0);
  }, 30_000);
});
