// `npm run demo`: replays a drive along Nørrebrogade with sample street photos as the camera, against a local
// Mosquitto and a local ingest, through the real chain. The tasks go out signed through `central publish`, with a key
// the demo makes; it prints the acks and a summary, and leaves what the ingest got and report.html in --out.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { App, type AgentFigures } from '../../agent/app.ts';
import { parseConfig } from '../../agent/config/load.ts';
import { distanceM, insideArea, type Area } from '../../agent/core/geo/geo.ts';
import { driveAlong, trackToNmea } from '../../agent/core/gps/nmea.ts';
import { publicKeyBase64 } from '../../agent/core/tasks/taskSignature.ts';
import { systemClock } from '../../agent/ports/clock.ts';
import { centralPublish } from '../central/publish.ts';
import { writeReport } from '../report/writeReport.ts';
import { startIngestReceiver } from './ingestReceiver.ts';
import { startLocalBroker } from './localBroker.ts';
import { freeLoopbackPort } from './loopback.ts';

export interface DemoOptions {
  readonly outDir: string;
  readonly speed: number;
  /** Driving speed along the route; default the route's own (36 km/h). */
  readonly speedKmh?: number;
  /** trigger.everyM of the demo agent; default the agent's (10 m). */
  readonly everyM?: number;
  /** Camera frame size; default 1280×720. */
  readonly width?: number;
  readonly height?: number;
}

const repoRoot = new URL('../..', import.meta.url).pathname;
const TOKEN = 'demo-token';

interface DemoTask {
  id: string;
  purpose: string;
  lookFor: string[];
  area: Area;
  [key: string]: unknown;
}

export async function demoCommand(options: DemoOptions): Promise<number> {
  const dataDir = path.join(repoRoot, 'demo-data');
  const samplesDir = path.join(dataDir, 'samples');
  if (!existsSync(samplesDir) || readdirSync(samplesDir).filter((f) => f.endsWith('.jpg')).length === 0) {
    process.stderr.write(`demo: no sample frames in ${samplesDir}; run ./scripts/setup-dev.sh first\n`);
    return 1;
  }
  const outDir = path.resolve(options.outDir);
  rmSync(outDir, { recursive: true, force: true });
  const runDir = path.join(dataDir, 'run');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });

  // The drive: a LineString replayed as NMEA at 1 Hz, starting now.
  const route = JSON.parse(readFileSync(path.join(repoRoot, 'fixtures/demo/route.geojson'), 'utf8')) as {
    properties: { speedKmh: number };
    geometry: { coordinates: [number, number][] };
  };
  const speedKmh = options.speedKmh ?? route.properties.speedKmh;
  const nmea = trackToNmea(route.geometry.coordinates, speedKmh, Date.now());
  const nmeaFile = path.join(runDir, 'drive.nmea');
  writeFileSync(nmeaFile, nmea.text);

  const nowMs = Date.now();
  const tasks = (JSON.parse(readFileSync(path.join(repoRoot, 'fixtures/demo/tasks.json'), 'utf8')) as DemoTask[]).map((t) => ({
    ...t,
    validFrom: new Date(nowMs - 3_600_000).toISOString(),
    validUntil: new Date(nowMs + 86_400_000).toISOString(),
  }));

  // The city's signing key for this run; the vehicle trusts its public half.
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyFile = path.join(runDir, 'central-key.pem');
  writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  const tasksDir = path.join(runDir, 'tasks');
  mkdirSync(tasksDir);
  const taskFiles = tasks.map((t) => {
    const file = path.join(tasksDir, `${t.id}.json`);
    writeFileSync(file, `${JSON.stringify(t, null, 2)}\n`);
    return file;
  });

  const broker = await startLocalBroker(await freeLoopbackPort());
  const ingest = await startIngestReceiver(outDir, TOKEN);
  const logFile = path.join(runDir, 'agent.log');
  const logger = pino({ level: 'info' }, pino.destination({ dest: logFile, sync: true }));
  const config = parseConfig(
    {
      vehicleId: 'demo-sweeper-07',
      fleetId: 'kbh-demo',
      dataDir: path.join(runDir, 'data'),
      gps: { source: 'nmea-file', path: nmeaFile, speed: options.speed },
      mqtt: { url: broker.url },
      camera: { source: 'file', path: samplesDir, fps: 2, width: options.width ?? 1280, height: options.height ?? 720 },
      ...(options.everyM === undefined ? {} : { trigger: { everyM: options.everyM } }),
      ingest: { url: ingest.url, token: TOKEN },
      upload: { idleMs: 200 },
      tasks: { publicKeys: [publicKeyBase64(publicKey)] },
    },
    'demo',
    repoRoot,
  );
  const app = new App(config, systemClock, logger);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  let code = 0;
  const cpuAtStart = process.cpuUsage();
  let cpuS = 0;
  // Read before the stop: a stopped agent has closed its queue and cannot count it any more.
  let figures: AgentFigures | null = null;
  try {
    await app.start(controller.signal);
    process.stdout.write(`demo: the vehicle is up; publishing ${tasks.length} tasks to fleet ${config.fleetId} (npm run central -- publish) …\n`);
    const published = await centralPublish({
      broker: { url: broker.url, prefix: config.mqtt.topicPrefix, clientId: 'tilsyn-demo-central' },
      keyFile,
      scope: { fleetId: config.fleetId },
      files: taskFiles,
      waitMs: 30_000,
      expect: [config.vehicleId],
    });
    if (published.code !== 0) throw new Error('the vehicle did not accept every task');
    process.stdout.write(`demo: replaying ${nmea.fixes} fixes at ${options.speed}× …\n`);
    const driveMs = (nmea.fixes * 1000) / options.speed;
    await waitUntil(() => app.figures().capture.fixes >= nmea.fixes, driveMs + 30_000, controller.signal);
    await waitUntil(() => app.figures().queue.pending === 0, 60_000, controller.signal);
    await waitUntil(() => app.figures().observations.published >= app.figures().observations.recorded, 30_000, controller.signal);
  } catch (err) {
    process.stderr.write(`demo failed: ${(err as Error).message}\n`);
    code = 1;
  } finally {
    // The agent's CPU from start to here (the drive, its frames, their upload), with the in-process ingest's share.
    const used = process.cpuUsage(cpuAtStart);
    cpuS = (used.user + used.system) / 1e6;
    try {
      figures = app.figures();
    } catch {
      // the agent did not start: nothing to sum up
    }
    await app.stop();
    await ingest.stop();
    await broker.stop();
  }
  const rel = (p: string) => path.relative(process.cwd(), p);
  if (figures === null) {
    process.stdout.write(`\nagent log: ${rel(logFile)}\n`);
    return code;
  }
  const kmInAreas = kmThroughAreas(route.geometry.coordinates, speedKmh, tasks);
  const summary = summaryRows(figures, outDir, tasks, { cpuS, kmInAreas });
  printSummary(summary);
  const report = await writeReport(
    {
      vehicleId: config.vehicleId,
      fleetId: config.fleetId,
      logFile,
      evidenceDir: outDir,
      nmeaFile,
      tasks: tasks.map((t) => ({ id: t.id, purpose: t.purpose, lookFor: t.lookFor, area: t.area })),
      routing: figures.routing.tasks,
      summary,
    },
    path.join(outDir, 'report.html'),
  );
  process.stdout.write(`\nagent log: ${rel(logFile)}\nevidence received: ${rel(outDir)}/\nreport: ${rel(report.file)} (${report.triggers} triggers, ${report.evidence} thumbnails)\n`);
  return code;
}

async function waitUntil(done: () => boolean, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (signal.aborted) throw new Error('interrupted');
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Kilometres of the drive inside at least one task area (between consecutive fixes both inside). */
function kmThroughAreas(line: readonly (readonly [number, number])[], speedKmh: number, tasks: readonly DemoTask[]): number {
  const points = driveAlong(line, { speedKmh, startMs: 0 }).map((p) => ({ lon: p.lon, lat: p.lat }));
  let m = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (tasks.some((t) => insideArea(a, t.area) && insideArea(b, t.area))) m += distanceM(a, b);
  }
  return m / 1000;
}

function summaryRows(
  figures: AgentFigures,
  outDir: string,
  tasks: readonly DemoTask[],
  cpu: { cpuS: number; kmInAreas: number },
): [string, string | number][] {
  const s = figures.capture;
  const metas = existsSync(outDir)
    ? readdirSync(outDir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(path.join(outDir, f), 'utf8')) as { taskId: string; lat: number; lon: number })
    : [];
  const outside = metas.filter((m) => !tasks.some((t) => t.id === m.taskId && insideArea(m, t.area))).length;
  const perTask = tasks.map((t) => `${t.id}: ${metas.filter((m) => m.taskId === t.id).length}`).join(', ');
  // Which model answered how often: summed over the tasks, "asked (of them escalated)" per model.
  const perModel = new Map<string, { asked: number; escalated: number }>();
  for (const t of Object.values(figures.routing.tasks)) {
    for (const [name, c] of Object.entries(t.models)) {
      const m = perModel.get(name) ?? { asked: 0, escalated: 0 };
      perModel.set(name, { asked: m.asked + c.asked, escalated: m.escalated + c.escalated });
    }
  }
  const models = [...perModel].map(([name, c]) => `${name}: ${c.asked} (${c.escalated} handed on)`).join(', ') || 'none';
  const rows: [string, string | number][] = [
    ['GPS fixes', s.fixes],
    ['camera running (s of the drive)', Math.round(figures.camera.onMs / 1000)],
    ['triggers (inside an active task area)', s.triggers],
    ['frames captured', s.framesCaptured],
    ['task questions per model (unsure → next)', models],
    ['frames dropped: no target', s.framesDroppedNoTarget],
    ['frames dropped: redaction failed', s.framesDroppedRedactionFailed],
    ['frames dropped: camera gave none', s.framesDroppedCameraFailed],
    ['triggers skipped: previous frame busy', s.framesSkippedBusy],
    ['frames waiting for the redactor (peak)', `${s.pendingFramesPeak} (${(s.pendingFrameBytesPeak / 1e6).toFixed(1)} MB held with the one in hand)`],
    ['faces blurred', s.facesBlurred],
    ['plates blurred', s.platesBlurred],
    ['evidence queued', s.evidenceQueued],
    ['evidence uploaded', figures.upload.uploaded],
    ['evidence at the ingest', metas.length],
    ['  per task', perTask],
    ['evidence from outside its task area', outside],
    ['observations sent (found / all in order)', figures.observations.published],
    ['km driven through task areas', cpu.kmInAreas.toFixed(2)],
    ['agent CPU s (per km through task areas)', `${cpu.cpuS.toFixed(1)} (${cpu.kmInAreas > 0 ? (cpu.cpuS / cpu.kmInAreas).toFixed(1) : '–'})`],
  ];
  return rows;
}

function printSummary(rows: readonly (readonly [string, string | number])[]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write('\n');
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
}
