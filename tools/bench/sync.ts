// `npm run bench:sync`: a vehicle assigned 10,000 signed tasks on a Mosquitto with its default settings (1,000 queued
// + 20 in flight per client). Measures the time until all are held and checked against the manifest, the bytes the
// vehicle receives on its first connect and on a reconnect (kept session) after 10 changes, its peak RSS, and its start
// time with 10,000 stored tasks (broker unreachable). The vehicle runs in a child process (syncVehicle.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';
import { nextManifest } from '../../agent/core/tasks/manifest.ts';
import { publicKeyBase64, signTask } from '../../agent/core/tasks/taskSignature.ts';
import { startLocalBroker } from '../demo/localBroker.ts';
import { freeLoopbackPort } from '../demo/loopback.ts';
import { startTcpProxy } from './tcpProxy.ts';

const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const CHANGES = 10;
const NOW_ISO = '2026-12-10T12:00:00Z';
const PREFIX = 'tilsyn/v1';
const VEHICLE = 'bench-07';

interface VehicleReport {
  processUptimeAtLoadMs: number;
  partsStartMs: number;
  /** The task service's start alone: loading, parsing and checking the signature of every stored task. */
  tasksStartMs: number;
  tasksStartCpuMs: number;
  /** CPU time of the vehicle process so far (user + system). */
  cpuMs: number;
  held: number;
  figures: { held: number; expected: number; missing: number } | null;
  busy: boolean;
  connected: boolean;
  stats: { bytesReceived: number; messagesReceived: number; connects: number; sessionsResumed: number };
  maxRssKb: number;
  atMs: number;
}

function task(id: string, revision: number, pem: string): string {
  return JSON.stringify(
    signTask(
      {
        id,
        revision,
        purpose: `Bench task ${id}`,
        area: { type: 'Polygon', coordinates: [[[12.553, 55.689], [12.556, 55.689], [12.556, 55.6905], [12.553, 55.6905], [12.553, 55.689]]] },
        validFrom: '2026-12-01T06:00:00Z',
        validUntil: '2026-12-31T18:00:00Z',
        lookFor: ['car'],
        retentionDays: 30,
        scope: { vehicleId: VEHICLE },
      },
      pem,
    ),
  );
}

/** Starts the vehicle process; `latest()` is its last report, `until()` waits for a report that satisfies `ok`. */
function startVehicle(url: string, dataDir: string, publicKey: string) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', new URL('./syncVehicle.ts', import.meta.url).pathname, url, dataDir, publicKey, NOW_ISO], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let last: VehicleReport | null = null;
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    last = JSON.parse(line) as VehicleReport;
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    latest: () => last,
    async until(ok: (r: VehicleReport) => boolean, timeoutMs: number, what: string): Promise<VehicleReport> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (last !== null && ok(last)) return last;
        if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last report ${JSON.stringify(last)})`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 500).unref();
        });
      }
    },
    async stop(): Promise<void> {
      child.stdin!.end();
      await exited;
    },
  };
}

const synced = (r: VehicleReport) => r.figures !== null && r.figures.missing === 0 && r.figures.held === TASKS && !r.busy;

async function main(): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const broker = await startLocalBroker(await freeLoopbackPort());
  const proxy = await startTcpProxy(broker.port);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tilsyn-bench-sync-'));
  try {
    const central = await mqtt.connectAsync(broker.url, { clientId: 'bench-central' });
    const ids = Array.from({ length: TASKS }, (_, i) => `task-${String(i).padStart(5, '0')}`);
    let publishMs = performance.now();
    let taskBytes = 0;
    for (let i = 0; i < ids.length; i += 500) {
      await Promise.all(
        ids.slice(i, i + 500).map((id) => {
          const payload = task(id, 1, pem);
          taskBytes += payload.length;
          return central.publishAsync(`${PREFIX}/vehicle/${VEHICLE}/tasks/${id}`, payload, { qos: 1, retain: true });
        }),
      );
    }
    let manifest = nextManifest(null, { vehicleId: VEHICLE }, { upserts: ids.map((id) => ({ id, revision: 1 })) }, Date.parse(NOW_ISO));
    const manifestText = JSON.stringify(signTask(manifest, pem));
    await central.publishAsync(`${PREFIX}/vehicle/${VEHICLE}/manifest`, manifestText, { qos: 1, retain: true });
    publishMs = performance.now() - publishMs;

    // First connect: a new session, nothing stored.
    const vehicle = startVehicle(`mqtt://127.0.0.1:${proxy.port}`, dataDir, publicKeyBase64(publicKey));
    const first = await vehicle.until(synced, 600_000, 'first sync');
    // From the start of the vehicle's parts (connect) to the report that all are held and checked (reports every 100 ms).
    const firstSyncMs = first.atMs - (first.processUptimeAtLoadMs - first.partsStartMs);
    await new Promise((r) => setTimeout(r, 500));
    const afterFirst = vehicle.latest()!;

    // A reconnect with the session kept: the network goes, 10 tasks change meanwhile, the network comes back.
    await proxy.cut();
    await vehicle.until((r) => !r.connected, 30_000, 'disconnect');
    const changed = ids.slice(0, CHANGES);
    for (const id of changed) await central.publishAsync(`${PREFIX}/vehicle/${VEHICLE}/tasks/${id}`, task(id, 2, pem), { qos: 1, retain: true });
    manifest = nextManifest(manifest, { vehicleId: VEHICLE }, { upserts: changed.map((id) => ({ id, revision: 2 })) }, Date.parse(NOW_ISO) + 60_000);
    await central.publishAsync(`${PREFIX}/vehicle/${VEHICLE}/manifest`, JSON.stringify(signTask(manifest, pem)), { qos: 1, retain: true });
    const before = vehicle.latest()!;
    const mendedAtMs = performance.now();
    await proxy.mend();
    await vehicle.until((r) => r.stats.connects > before.stats.connects && synced(r), 120_000, 'reconnect');
    const reconnectMs = performance.now() - mendedAtMs;
    await new Promise((r) => setTimeout(r, 1_000));
    const afterReconnect = vehicle.latest()!;
    await vehicle.stop();
    await central.endAsync();

    // A restart with 10,000 stored tasks and no broker: how long until the agent works on them.
    await proxy.cut();
    const offline = startVehicle(`mqtt://127.0.0.1:${proxy.port}`, dataDir, publicKeyBase64(publicKey));
    const loaded = await offline.until((r) => r.held === TASKS, 120_000, 'start with stored tasks');
    await offline.stop();

    const mb = (bytes: number) => Math.round((bytes / 1e6) * 100) / 100;
    const figures = {
      tasks: TASKS,
      publishedRetainedMs: Math.round(publishMs),
      taskPayloadMB: mb(taskBytes),
      manifestKB: Math.round(manifestText.length / 1000),
      firstSync: {
        msUntilAllHeldAndChecked: Math.round(firstSyncMs),
        cpuMs: first.cpuMs,
        bytesReceivedMB: mb(afterFirst.stats.bytesReceived),
        messagesReceived: afterFirst.stats.messagesReceived,
        peakRssMB: Math.round(afterFirst.maxRssKb / 1024),
      },
      reconnectWith10Changes: {
        sessionResumed: afterReconnect.stats.sessionsResumed - before.stats.sessionsResumed === 1,
        msUntilChecked: Math.round(reconnectMs),
        bytesReceived: afterReconnect.stats.bytesReceived - before.stats.bytesReceived,
        messagesReceived: afterReconnect.stats.messagesReceived - before.stats.messagesReceived,
      },
      peakRssMB: Math.round(afterReconnect.maxRssKb / 1024),
      startWithStoredTasks: {
        tasksHeld: loaded.held,
        tasksStartMs: loaded.tasksStartMs,
        tasksStartCpuMs: loaded.tasksStartCpuMs,
        partsStartMs: loaded.partsStartMs,
        processStartToHeldMs: loaded.processUptimeAtLoadMs,
      },
    };
    process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(figures, null, 2)}\n` : table(figures));
  } finally {
    await proxy.stop();
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function table(f: {
  tasks: number;
  publishedRetainedMs: number;
  taskPayloadMB: number;
  manifestKB: number;
  firstSync: { msUntilAllHeldAndChecked: number; cpuMs: number; bytesReceivedMB: number; messagesReceived: number; peakRssMB: number };
  reconnectWith10Changes: { sessionResumed: boolean; msUntilChecked: number; bytesReceived: number; messagesReceived: number };
  peakRssMB: number;
  startWithStoredTasks: { tasksHeld: number; tasksStartMs: number; tasksStartCpuMs: number; partsStartMs: number; processStartToHeldMs: number };
}): string {
  const rows: [string, string][] = [
    ['tasks assigned (signed, retained)', `${f.tasks} (${f.taskPayloadMB} MB; manifest ${f.manifestKB} KB)`],
    [
      'first connect: all held and checked',
      `${(f.firstSync.msUntilAllHeldAndChecked / 1000).toFixed(1)} s (vehicle process CPU ${(f.firstSync.cpuMs / 1000).toFixed(1)} s, start included)`,
    ],
    ['first connect: received', `${f.firstSync.bytesReceivedMB} MB in ${f.firstSync.messagesReceived} messages`],
    ['reconnect, 10 changes: session kept', String(f.reconnectWith10Changes.sessionResumed)],
    ['reconnect, 10 changes: received', `${f.reconnectWith10Changes.bytesReceived} bytes in ${f.reconnectWith10Changes.messagesReceived} messages`],
    ['reconnect, 10 changes: checked after', `${(f.reconnectWith10Changes.msUntilChecked / 1000).toFixed(1)} s`],
    ['peak RSS of the vehicle process', `${f.peakRssMB} MB`],
    [
      'start with stored tasks (no broker)',
      `${f.startWithStoredTasks.tasksHeld} held: task service ${(f.startWithStoredTasks.tasksStartMs / 1000).toFixed(1)} s (CPU ${(f.startWithStoredTasks.tasksStartCpuMs / 1000).toFixed(1)} s), all parts ${(f.startWithStoredTasks.partsStartMs / 1000).toFixed(1)} s, ${(f.startWithStoredTasks.processStartToHeldMs / 1000).toFixed(1)} s from process start (tsx included)`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

await main();
