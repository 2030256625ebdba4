// The vehicle side of `npm run bench:sync`, in a process of its own (so its peak RSS is the agent's alone): the task
// channel, task service and task sync with their SQLite stores, as the agent builds them; prints its figures as one
// JSON line every 100 ms until stdin closes.
import { pino } from 'pino';
import { MqttTaskChannel } from '../../agent/adapters/mqttTaskChannel.ts';
import { SqliteManifestStore } from '../../agent/adapters/sqliteManifestStore.ts';
import { SqliteTaskStore } from '../../agent/adapters/sqliteTaskStore.ts';
import { DEFAULT_MAX_MANIFEST_BYTES } from '../../agent/core/tasks/manifest.ts';
import { TaskRegistry } from '../../agent/core/tasks/taskRegistry.ts';
import { DEFAULT_TASK_LIMITS } from '../../agent/core/tasks/task.ts';
import { publicKeyFrom } from '../../agent/core/tasks/taskSignature.ts';
import { TaskService } from '../../agent/services/taskService.ts';
import { TaskSyncService } from '../../agent/services/taskSyncService.ts';

const [url, dataDir, publicKey, nowIso] = process.argv.slice(2);
if (url === undefined || dataDir === undefined || publicKey === undefined || nowIso === undefined) {
  throw new Error('usage: syncVehicle.ts URL DATA_DIR PUBLIC_KEY NOW_ISO');
}
const nowMs = Date.parse(nowIso);
const logger = pino({ level: 'error' }, pino.destination(2));
const ids = { prefix: 'tilsyn/v1', fleetId: 'bench-fleet', vehicleId: 'bench-07' };
const keys = [publicKeyFrom(publicKey)];

const startedMs = performance.now();
const registry = new TaskRegistry();
const channel = new MqttTaskChannel({ url, ...ids, managedSync: true, reconnectPeriodMs: 200, maxPayloadBytes: DEFAULT_MAX_MANIFEST_BYTES }, logger);
const taskStore = new SqliteTaskStore({ dataDir });
const manifestStore = new SqliteManifestStore({ dataDir });
const tasks = new TaskService(
  { knownLabels: ['car', 'person'], taskFiles: [], ids, limits: { ...DEFAULT_TASK_LIMITS, publicKeys: keys } },
  registry,
  channel,
  { nowMs: () => nowMs },
  logger,
  taskStore,
);
const sync = new TaskSyncService(
  { vehicleId: ids.vehicleId, fleetId: ids.fleetId, publicKeys: keys, maxManifestBytes: DEFAULT_MAX_MANIFEST_BYTES },
  channel,
  registry,
  manifestStore,
  logger,
);
await taskStore.start();
await manifestStore.start();
const abort = new AbortController();
// The agent's order: stores, channel, task service (loads the stored tasks), then the sync.
await channel.start(abort.signal);
const tasksStartedMs = performance.now();
const cpuBefore = process.cpuUsage();
await tasks.start();
const tasksStartMs = performance.now() - tasksStartedMs;
const tasksCpu = process.cpuUsage(cpuBefore);
await sync.start();
const loadedMs = performance.now() - startedMs;

const report = () => {
  const figures = sync.figures();
  process.stdout.write(
    `${JSON.stringify({
      // From the start of this process (module loading included) and from the start of the agent's parts.
      processUptimeAtLoadMs: Math.round(startedMs + loadedMs),
      partsStartMs: Math.round(loadedMs),
      tasksStartMs: Math.round(tasksStartMs),
      // CPU time is what the work costs; wall time on a shared machine is mostly waiting for a core.
      tasksStartCpuMs: Math.round((tasksCpu.user + tasksCpu.system) / 1000),
      cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
      held: registry.size,
      figures,
      busy: sync.busy,
      connected: channel.connected,
      stats: channel.stats,
      maxRssKb: process.resourceUsage().maxRSS,
      atMs: Math.round(performance.now()),
    })}\n`,
  );
};
const timer = setInterval(report, 100);
report();
process.stdin.resume();
process.stdin.on('end', () => {
  clearInterval(timer);
  void (async () => {
    await sync.stop();
    await tasks.stop();
    await channel.stop();
    await manifestStore.stop();
    await taskStore.stop();
    process.exit(0);
  })();
});
