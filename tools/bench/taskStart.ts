// `npm run bench:task-start`: how long the agent takes to load N stored tasks (default 10,000) at start — the first
// start after the limits changed (every area checked again) and a usual one (signatures, schema and classes only).
// Each task is signed and carries a 200-vertex area, so the 10,000 fill about 64 MiB, the default tasks.maxHeldBytes.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { SqliteTaskStore } from '../../agent/adapters/sqliteTaskStore.ts';
import { DEFAULT_TASK_LIMITS } from '../../agent/core/tasks/task.ts';
import { TaskRegistry } from '../../agent/core/tasks/taskRegistry.ts';
import { publicKeyFrom, publicKeyBase64, signTask } from '../../agent/core/tasks/taskSignature.ts';
import type { TaskChannel } from '../../agent/ports/taskChannel.ts';
import { TaskService } from '../../agent/services/taskService.ts';

const COUNT = Number(process.env.BENCH_TASKS ?? 10_000);
const VERTICES = Number(process.env.BENCH_VERTICES ?? 200);
const nowMs = Date.parse('2026-12-10T12:00:00Z');
const ids = { fleetId: 'kbh', vehicleId: 'sweeper-07' };

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const limits = { ...DEFAULT_TASK_LIMITS, publicKeys: [publicKeyFrom(publicKeyBase64(publicKey))] };

/** A closed ring of `n` positions on a small circle: a valid area of about 0.03 km². */
function circle(n: number, lon: number, lat: number): number[][] {
  const ring = Array.from({ length: n - 1 }, (_, i) => {
    const a = (2 * Math.PI * i) / (n - 1);
    return [Number((lon + 0.001 * Math.cos(a)).toFixed(6)), Number((lat + 0.001 * Math.sin(a)).toFixed(6))];
  });
  return [...ring, ring[0]!];
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'tilsyn-bench-tasks-'));
const silent = pino({ level: 'silent' });
const channel: TaskChannel = {
  start: async () => undefined,
  stop: async () => undefined,
  onTaskMessage: () => () => undefined,
  publishAck: async () => undefined,
  publishStatus: async () => undefined,
};

async function startOnce(): Promise<{ ms: number; held: number }> {
  const store = new SqliteTaskStore({ dataDir });
  await store.start();
  const registry = new TaskRegistry();
  const service = new TaskService({ knownLabels: ['car'], taskFiles: [], ids, limits }, registry, channel, { nowMs: () => nowMs }, silent, store);
  const start = performance.now();
  await service.start();
  const ms = performance.now() - start;
  await service.stop();
  await store.stop();
  return { ms, held: registry.size };
}

try {
  const store = new SqliteTaskStore({ dataDir });
  await store.start();
  let bytes = 0;
  for (let i = 0; i < COUNT; i++) {
    const task = signTask(
      {
        id: `task-${i}`,
        revision: 1,
        purpose: 'bench',
        area: { type: 'Polygon', coordinates: [circle(VERTICES, 12.5 + (i % 100) * 0.003, 55.6 + Math.floor(i / 100) * 0.003)] },
        validFrom: '2026-12-01T00:00:00Z',
        validUntil: '2026-12-31T00:00:00Z',
        lookFor: ['car'],
        retentionDays: 7,
        scope: { fleetId: 'kbh' },
      },
      pem,
    );
    const payload = Buffer.from(JSON.stringify(task));
    bytes += payload.length;
    store.save({ id: `task-${i}`, revision: 1, payload, acceptedAtMs: nowMs, audience: 'fleet', areaChecked: null });
  }
  await store.stop();
  const first = await startOnce();
  const usual = await startOnce();
  process.stdout.write(`${COUNT} stored tasks, ${VERTICES} vertices each, ${(bytes / 1024 / 1024).toFixed(1)} MiB\n`);
  process.stdout.write(`first start after the limits changed (areas checked again): ${(first.ms / 1000).toFixed(2)} s, ${first.held} held\n`);
  process.stdout.write(`usual start (signature, scope, schema, classes):            ${(usual.ms / 1000).toFixed(2)} s, ${usual.held} held\n`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
