// The capture chain with real parts (NMEA replay, GStreamer camera over a street photo, YOLOX, the redactor,
// SQLite): a frame is kept only when it shows a target and was redacted; otherwise nothing reaches the disk.
import { mkdtempSync, readdirSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { GstreamerCamera } from '../../agent/adapters/gstreamerCamera.ts';
import { NmeaFileGps } from '../../agent/adapters/nmeaFileGps.ts';
import { createRedactor } from '../../agent/adapters/createRedactor.ts';
import { SqliteEvidenceQueue } from '../../agent/adapters/sqliteEvidenceQueue.ts';
import { YoloxDetector } from '../../agent/adapters/detectors/yoloxDetector.ts';
import { trackToNmea } from '../../agent/core/gps/nmea.ts';
import { TaskRegistry } from '../../agent/core/tasks/taskRegistry.ts';
import { Trigger } from '../../agent/core/trigger/trigger.ts';
import { systemClock } from '../../agent/ports/clock.ts';
import { CaptureService } from '../../agent/services/captureService.ts';
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

async function runChain(lookFor: string[], startRedactor: boolean, deadlineMs?: number, maxPendingFrames?: number) {
  const work = mkdtempSync(path.join(tmpdir(), 'tilsyn-capture-'));
  const frames = path.join(work, 'frames');
  mkdirSync(frames);
  symlinkSync(photo, path.join(frames, 'street.jpg'));
  // 12 fixes, 10 m apart, all inside the task's area.
  const drive = trackToNmea([[12.5535, 55.6893], [12.5552, 55.6900]], 36, Date.now());
  writeFileSync(path.join(work, 'drive.nmea'), drive.text);
  const task = activePermitTask({ lookFor });
  const registry = new TaskRegistry();
  registry.upsert(task);

  const signal = new AbortController().signal;
  const gps = new NmeaFileGps({ path: path.join(work, 'drive.nmea'), speed: 4 }, systemClock, testLogger);
  const camera = new GstreamerCamera({ source: 'file', path: frames, fps: 5, width: 1920, height: 1080 }, testLogger);
  const objects = new YoloxDetector({ modelsDir, threads: 2 });
  const redactor = createRedactor({ jpegQuality: 85, deadlineMs }, { dir: modelsDir, threads: 2 });
  const queue = new SqliteEvidenceQueue({ dataDir: path.join(work, 'data'), nowMs: () => Date.now() }, testLogger);
  await queue.start();
  stops.push(() => queue.stop());
  await objects.start();
  if (startRedactor) await redactor.start();
  await camera.start(signal);
  stops.push(() => camera.stop());
  const trigger = new Trigger({ everyM: 10, enterFixes: 2, maxErrorM: 15, maxFixAgeMs: 2_000 });
  const capture = new CaptureService(
    { vehicleId: 'v1', fleetId: 'f1', grabTimeoutMs: 3_000, minScore: 0.4, ...(maxPendingFrames === undefined ? {} : { maxPendingFrames }) },
    { gps, registry, trigger, camera, objects, redactor, queue, clock: systemClock, logger: testLogger },
  );
  await capture.start();
  await gps.start(signal);
  stops.push(() => gps.stop());
  // 12 fixes at 4× take 3 s; stop() then finishes the frames already taken.
  await new Promise((r) => setTimeout(r, 4_500));
  await capture.stop();
  return { capture, queue, evidenceDir: path.join(work, 'data', 'evidence') };
}

describeWithInputs('CaptureService with real parts', [photo], () => {
  it('queues a redacted frame when the target is in view', async () => {
    const { capture, queue, evidenceDir } = await runChain(['car'], true);
    expect(capture.stats.framesCaptured).toBeGreaterThanOrEqual(2);
    expect(capture.stats.evidenceQueued).toBe(capture.stats.framesCaptured);
    const item = queue.nextDue(Date.now());
    expect(item?.meta).toMatchObject({ taskId: 'permit-4711', found: [expect.objectContaining({ label: 'car' })] });
    expect(item!.meta.plates).toBeGreaterThanOrEqual(1);
    expect(readdirSync(evidenceDir)).toHaveLength(queue.counts().pending);
  }, 60_000);

  it('loses no trigger to a busy redactor: frames taken while it works wait in RAM and are all kept', async () => {
    // A fix every 250 ms, 10 m apart: faster than this machine detects and redacts a 1080p frame.
    const { capture, queue, evidenceDir } = await runChain(['car'], true, undefined, 12);
    expect(capture.stats.triggers).toBeGreaterThanOrEqual(4);
    expect(capture.stats.framesSkippedBusy).toBe(0);
    expect(capture.stats.pendingFramesPeak).toBeGreaterThanOrEqual(2);
    // Every trigger got its frame (a grab that times out on a starved machine is the camera's, counted apart).
    expect(capture.stats.framesCaptured + capture.stats.framesDroppedCameraFailed).toBe(capture.stats.triggers);
    expect(capture.stats.framesDroppedCameraFailed).toBeLessThanOrEqual(1);
    expect(capture.stats.evidenceQueued).toBe(capture.stats.framesCaptured);
    expect(readdirSync(evidenceDir)).toHaveLength(queue.counts().pending);
  }, 120_000);

  it('drops and counts a trigger when capture.maxPendingFrames frames already wait, holding at most that many', async () => {
    const { capture, queue, evidenceDir } = await runChain(['car'], true, undefined, 1);
    expect(capture.stats.framesSkippedBusy).toBeGreaterThanOrEqual(1);
    expect(capture.stats.pendingFramesPeak).toBe(1);
    // One frame waiting and one in hand, 1920×1080 RGB each.
    expect(capture.stats.pendingFrameBytesPeak).toBeLessThanOrEqual(2 * 1920 * 1080 * 3);
    expect(capture.stats.evidenceQueued).toBe(capture.stats.framesCaptured);
    expect(readdirSync(evidenceDir)).toHaveLength(queue.counts().pending);
  }, 120_000);

  it('drops every frame without a target, keeping nothing', async () => {
    const { capture, queue, evidenceDir } = await runChain(['giraffe'], true);
    expect(capture.stats.framesCaptured).toBeGreaterThanOrEqual(2);
    expect(capture.stats.framesDroppedNoTarget).toBe(capture.stats.framesCaptured);
    expect(queue.counts().pending).toBe(0);
    expect(readdirSync(evidenceDir)).toEqual([]);
  }, 60_000);

  it('fails closed: when redaction fails, the frame is dropped and nothing is written', async () => {
    const { capture, queue, evidenceDir } = await runChain(['car'], false);
    expect(capture.stats.framesCaptured).toBeGreaterThanOrEqual(2);
    expect(capture.stats.framesDroppedRedactionFailed).toBe(capture.stats.framesCaptured);
    expect(capture.stats.evidenceQueued).toBe(0);
    expect(queue.counts().pending).toBe(0);
    expect(readdirSync(evidenceDir)).toEqual([]);
  }, 60_000);

  it('fails closed on time: a frame whose redaction overruns redaction.deadlineMs is dropped and counted', async () => {
    // 1 ms: no 1080p frame can be searched that fast on any machine, so every frame overruns.
    const { capture, queue, evidenceDir } = await runChain(['car'], true, 1);
    expect(capture.stats.framesCaptured).toBeGreaterThanOrEqual(2);
    expect(capture.stats.framesDroppedDeadline).toBe(capture.stats.framesCaptured);
    expect(capture.stats.framesDroppedRedactionFailed).toBe(capture.stats.framesCaptured);
    expect(capture.stats.evidenceQueued).toBe(0);
    expect(queue.counts().pending).toBe(0);
    expect(readdirSync(evidenceDir)).toEqual([]);
  }, 60_000);
});
