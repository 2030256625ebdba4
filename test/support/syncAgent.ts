// The task side of the agent with the manifest sync, for tests: channel (sync in charge), task service, task sync,
// SQLite task and manifest stores in a folder of the test's; and a central side that publishes tasks and manifests.
import type { KeyObject } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import type { MqttTaskChannelOptions } from '../../agent/adapters/mqttConnectOptions.ts';
import { MqttTaskChannel } from '../../agent/adapters/mqttTaskChannel.ts';
import { SqliteManifestStore } from '../../agent/adapters/sqliteManifestStore.ts';
import { SqliteTaskStore } from '../../agent/adapters/sqliteTaskStore.ts';
import { DEFAULT_TASK_LIMITS } from '../../agent/core/tasks/task.ts';
import { TaskRegistry } from '../../agent/core/tasks/taskRegistry.ts';
import { signTask } from '../../agent/core/tasks/taskSignature.ts';
import type { AuditEntry } from '../../agent/ports/auditTrail.ts';
import { TaskService } from '../../agent/services/taskService.ts';
import { TaskSyncService, type TaskSyncOptions } from '../../agent/services/taskSyncService.ts';
import { testLogger } from './logger.ts';
import { ids } from './taskAgent.ts';

/** The clock of these tests: inside the window of syncTask(). */
export const SYNC_NOW_MS = Date.parse('2026-12-10T12:00:00Z');

export interface SyncAgent {
  readonly registry: TaskRegistry;
  readonly channel: MqttTaskChannel;
  readonly sync: TaskSyncService;
  readonly audit: AuditEntry[];
  stop(): Promise<void>;
}

export async function startSyncAgent(options: {
  readonly url: string;
  readonly dataDir: string;
  readonly publicKeys?: readonly KeyObject[];
  readonly sync?: Partial<TaskSyncOptions>;
  readonly channel?: Partial<MqttTaskChannelOptions>;
}): Promise<SyncAgent> {
  const registry = new TaskRegistry();
  const audit: AuditEntry[] = [];
  const trail = { record: (entry: AuditEntry) => void audit.push(entry) };
  const channel = new MqttTaskChannel(
    { url: options.url, reconnectPeriodMs: 200, managedSync: true, clientId: 'tilsyn-sweeper-07', ...ids, ...options.channel },
    testLogger,
  );
  const taskStore = new SqliteTaskStore({ dataDir: options.dataDir });
  const manifestStore = new SqliteManifestStore({ dataDir: options.dataDir });
  await taskStore.start();
  await manifestStore.start();
  const publicKeys = options.publicKeys ?? [];
  const service = new TaskService(
    { knownLabels: ['car', 'person'], taskFiles: [], ids, limits: { ...DEFAULT_TASK_LIMITS, publicKeys } },
    registry,
    channel,
    { nowMs: () => SYNC_NOW_MS },
    testLogger,
    taskStore,
    () => trail,
  );
  const sync = new TaskSyncService(
    { vehicleId: ids.vehicleId, fleetId: ids.fleetId, publicKeys, maxManifestBytes: 8 * 1024 * 1024, roundTripTimeoutMs: 5_000, ...options.sync },
    channel,
    registry,
    manifestStore,
    testLogger,
    () => trail,
  );
  // The order of the agent: channel, task service, then the sync.
  await channel.start(new AbortController().signal);
  await service.start();
  await sync.start();
  return {
    registry,
    channel,
    sync,
    audit,
    async stop() {
      await sync.stop();
      await service.stop();
      await channel.stop();
      await manifestStore.stop();
      await taskStore.stop();
    },
  };
}

/** A valid task message (the permit area, December 2026); signed, it is for `scope` (default: this test's vehicle). */
export function syncTask(
  id: string,
  revision = 1,
  privateKeyPem?: string,
  scope: { vehicleId: string } | { fleetId: string } = { vehicleId: ids.vehicleId },
): string {
  const task: Record<string, unknown> = {
    id,
    revision,
    purpose: `sync test ${id}`,
    area: { type: 'Polygon', coordinates: [[[12.553, 55.689], [12.556, 55.689], [12.556, 55.6905], [12.553, 55.6905], [12.553, 55.689]]] },
    validFrom: '2026-12-01T06:00:00Z',
    validUntil: '2026-12-31T18:00:00Z',
    lookFor: ['car'],
    retentionDays: 30,
  };
  return JSON.stringify(privateKeyPem === undefined ? task : signTask({ ...task, scope }, privateKeyPem));
}

export function manifestOf(
  scope: { vehicleId: string } | { fleetId: string },
  revision: number,
  tasks: readonly { id: string; revision: number }[],
  privateKeyPem?: string,
): string {
  const manifest = { scope, revision, issuedAt: new Date().toISOString(), tasks };
  return JSON.stringify(privateKeyPem === undefined ? manifest : signTask(manifest, privateKeyPem));
}

/** Publishes retained task messages, `window` at a time (so the test's central stays within its own broker queue). */
export async function publishRetained(client: MqttClient, messages: readonly [topic: string, payload: string][], window = 500): Promise<void> {
  for (let i = 0; i < messages.length; i += window) {
    await Promise.all(messages.slice(i, i + window).map(([topic, payload]) => client.publishAsync(topic, payload, { qos: 1, retain: true })));
  }
}
