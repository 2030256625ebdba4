// `npm run demo`: replays a drive along Nørrebrogade with sample street photos as the camera, against a local
// Mosquitto and a local ingest, through the real chain; prints a summary and leaves what the ingest got in --out.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { App, type AgentFigures } from '../../agent/app.ts';
import { parseConfig } from '../../agent/config/load.ts';
import { insideArea, type Area } from '../../agent/core/geo/geo.ts';
import { trackToNmea } from '../../agent/core/gps/nmea.ts';
import { publicKeyBase64, signTask } from '../../agent/core/tasks/taskSignature.ts';
import { systemClock } from '../../agent/ports/clock.ts';
import { startIngestReceiver } from './ingestReceiver.ts';
import { startLocalBroker } from './localBroker.ts';
import { freeLoopbackPort } from './loopback.ts';

export interface DemoOptions {
  readonly outDir: string;
  readonly speed: number;
}

const repoRoot = new URL('../..', import.meta.url).pathname;
const TOKEN = 'demo-token';

interface DemoTask {
  id: string;
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
  const nmea = trackToNmea(route.geometry.coordinates, route.properties.speedKmh, Date.now());
  const nmeaFile = path.join(runDir, 'drive.nmea');
  writeFileSync(nmeaFile, nmea.text);

  const nowMs = Date.now();
  const tasks = (JSON.parse(readFileSync(path.join(repoRoot, 'fixtures/demo/tasks.json'), 'utf8')) as DemoTask[]).map((t) => ({
    ...t,
    validFrom: new Date(nowMs - 3_600_000).toISOString(),
    validUntil: new Date(nowMs + 86_400_000).toISOString(),
  }));

  // The demo's own task signing key, made for this run: the vehicle takes only tasks signed with it, as in the field.
  const signing = generateKeyPairSync('ed25519');
  const signingKeyPem = signing.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

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
      camera: { source: 'file', path: samplesDir, fps: 2, width: 1280, height: 720 },
      ingest: { url: ingest.url, token: TOKEN },
      upload: { idleMs: 200 },
      tasks: { publicKeys: [publicKeyBase64(signing.publicKey)] },
    },
    'demo',
    repoRoot,
  );
  const app = new App(config, systemClock, logger);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  let code = 0;
  try {
    await publishTasks(broker.url, config.mqtt.topicPrefix, config.fleetId, tasks, signingKeyPem);
    process.stdout.write(`demo: ${tasks.length} tasks published, replaying ${nmea.fixes} fixes at ${options.speed}× …\n`);
    await app.start(controller.signal);
    const driveMs = (nmea.fixes * 1000) / options.speed;
    await waitUntil(() => app.figures().capture.fixes >= nmea.fixes, driveMs + 30_000, controller.signal);
    await waitUntil(() => app.figures().queue.pending === 0, 60_000, controller.signal);
    await waitUntil(() => app.figures().observations.published >= app.figures().observations.recorded, 30_000, controller.signal);
  } catch (err) {
    process.stderr.write(`demo failed: ${(err as Error).message}\n`);
    code = 1;
  } finally {
    await app.stop();
    await ingest.stop();
    await broker.stop();
  }
  printSummary(app.figures(), outDir, tasks);
  process.stdout.write(`\nagent log: ${path.relative(process.cwd(), logFile)}\nevidence received: ${path.relative(process.cwd(), outDir)}/\n`);
  return code;
}

/** Publishes the tasks as the central system does: each signed for the fleet, retained on the fleet's topic. */
async function publishTasks(url: string, prefix: string, fleetId: string, tasks: readonly DemoTask[], signingKeyPem: string): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: 'tilsyn-demo-central' });
  try {
    for (const task of tasks) {
      const signed = signTask({ ...task, scope: { fleetId } }, signingKeyPem);
      await client.publishAsync(`${prefix}/fleet/${fleetId}/tasks/${task.id}`, JSON.stringify(signed), { qos: 1, retain: true });
    }
  } finally {
    await client.endAsync();
  }
}

async function waitUntil(done: () => boolean, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (signal.aborted) throw new Error('interrupted');
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function printSummary(figures: AgentFigures, outDir: string, tasks: readonly DemoTask[]): void {
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
    ['faces blurred', s.facesBlurred],
    ['plates blurred', s.platesBlurred],
    ['evidence queued', s.evidenceQueued],
    ['evidence uploaded', figures.upload.uploaded],
    ['evidence at the ingest', metas.length],
    ['  per task', perTask],
    ['evidence from outside its task area', outside],
    ['observations sent (found / all in order)', figures.observations.published],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write('\n');
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
}
