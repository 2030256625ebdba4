// Part of `npm run bench:camera`: the capture chain driven in real time along the demo route through the demo's task
// areas, at a chosen speed and spacing, with real parts (NMEA replay, the GStreamer camera over the demo photos at
// 1080p, YOLOX, the redactor, the SQLite evidence queue): triggers, triggers lost to a full frame queue, the raw
// frames held in RAM, and this process's CPU seconds per km driven through task areas.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { GstreamerCamera } from '../../agent/adapters/gstreamerCamera.ts';
import { NmeaFileGps } from '../../agent/adapters/nmeaFileGps.ts';
import { createRedactor } from '../../agent/adapters/createRedactor.ts';
import { SqliteEvidenceQueue } from '../../agent/adapters/sqliteEvidenceQueue.ts';
import { YoloxDetector } from '../../agent/adapters/detectors/yoloxDetector.ts';
import { distanceM, insideArea, type Area } from '../../agent/core/geo/geo.ts';
import { driveAlong, trackToNmea } from '../../agent/core/gps/nmea.ts';
import { parseTask } from '../../agent/core/tasks/task.ts';
import { TaskRegistry } from '../../agent/core/tasks/taskRegistry.ts';
import { Trigger } from '../../agent/core/trigger/trigger.ts';
import { systemClock } from '../../agent/ports/clock.ts';
import { CaptureService } from '../../agent/services/captureService.ts';

export interface DriveOptions {
  readonly speedKmh: number;
  readonly everyM: number;
  readonly maxPendingFrames: number;
  readonly width: number;
  readonly height: number;
}

export interface DriveFigures {
  readonly fixes: number;
  readonly kmInAreas: number;
  readonly triggers: number;
  readonly framesCaptured: number;
  readonly lostQueueFull: number;
  readonly lostCamera: number;
  readonly pendingFramesPeak: number;
  readonly pendingFrameBytesPeak: number;
  readonly evidenceQueued: number;
  readonly cpuS: number;
}

const repoRoot = new URL('../..', import.meta.url).pathname;

export async function driveThroughAreas(o: DriveOptions): Promise<DriveFigures> {
  const route = JSON.parse(readFileSync(path.join(repoRoot, 'fixtures/demo/route.geojson'), 'utf8')) as {
    geometry: { coordinates: [number, number][] };
  };
  const taskJson = JSON.parse(readFileSync(path.join(repoRoot, 'fixtures/demo/tasks.json'), 'utf8')) as Array<Record<string, unknown>>;
  const logger = pino({ level: 'silent' });
  const work = mkdtempSync(path.join(tmpdir(), 'tilsyn-bench-drive-'));
  const nowMs = Date.now();
  const objects = new YoloxDetector({ modelsDir: path.join(repoRoot, 'models'), threads: 2 });
  const registry = new TaskRegistry();
  const areas: Area[] = [];
  for (const t of taskJson) {
    const parsed = parseTask(
      JSON.stringify({ ...t, validFrom: new Date(nowMs - 3_600_000).toISOString(), validUntil: new Date(nowMs + 3_600_000).toISOString() }),
      objects.labels,
    );
    if (!parsed.ok) throw new Error(`demo task ${String(t['id'])}: ${JSON.stringify(parsed.errors)}`);
    registry.upsert(parsed.task);
    areas.push(t['area'] as Area);
  }
  const points = driveAlong(route.geometry.coordinates, { speedKmh: o.speedKmh, startMs: 0 });
  let inAreasM = 0;
  for (let i = 1; i < points.length; i++) {
    if (areas.some((a) => insideArea(points[i - 1]!, a) && insideArea(points[i]!, a))) inAreasM += distanceM(points[i - 1]!, points[i]!);
  }
  const nmea = trackToNmea(route.geometry.coordinates, o.speedKmh, Date.now());
  writeFileSync(path.join(work, 'drive.nmea'), nmea.text);

  const signal = new AbortController().signal;
  const gps = new NmeaFileGps({ path: path.join(work, 'drive.nmea'), speed: 1 }, systemClock, logger);
  const camera = new GstreamerCamera(
    { source: 'file', path: path.join(repoRoot, 'demo-data/samples'), fps: 5, width: o.width, height: o.height },
    logger,
  );
  // As the agent builds it: the redactor searches its person and vehicle tiles with the task model.
  const redactor = createRedactor({}, { dir: path.join(repoRoot, 'models'), threads: 2, objects });
  const queue = new SqliteEvidenceQueue({ dataDir: path.join(work, 'data'), nowMs: () => Date.now() }, logger);
  try {
    await queue.start();
    await objects.start();
    await redactor.start();
    // The camera runs for the whole drive here (the arming is not part of what is measured).
    await camera.start(signal);
    const trigger = new Trigger({ everyM: o.everyM, enterFixes: 2, maxErrorM: 30, maxFixAgeMs: 2_000 });
    const capture = new CaptureService(
      { vehicleId: 'bench', fleetId: 'bench', grabTimeoutMs: 3_000, maxPendingFrames: o.maxPendingFrames },
      { gps, registry, trigger, camera, objects, redactor, queue, clock: systemClock, logger },
    );
    const cpu0 = process.cpuUsage();
    await capture.start();
    await gps.start(signal);
    while (capture.stats.fixes < nmea.fixes) await new Promise((r) => setTimeout(r, 200));
    await capture.stop();
    const used = process.cpuUsage(cpu0);
    const s = capture.stats;
    return {
      fixes: s.fixes,
      kmInAreas: inAreasM / 1000,
      triggers: s.triggers + s.framesSkippedBusy,
      framesCaptured: s.framesCaptured,
      lostQueueFull: s.framesSkippedBusy,
      lostCamera: s.framesDroppedCameraFailed,
      pendingFramesPeak: s.pendingFramesPeak,
      pendingFrameBytesPeak: s.pendingFrameBytesPeak,
      evidenceQueued: s.evidenceQueued,
      cpuS: (used.user + used.system) / 1e6,
    };
  } finally {
    await gps.stop();
    await camera.stop();
    await redactor.close();
    await objects.close();
    await queue.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
