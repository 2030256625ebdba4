// The task side of the agent for tests: channel, task service and (optionally) the SQLite task store, started together.
import mqtt, { type MqttClient } from 'mqtt';
import type { MqttTaskChannelOptions } from '../../agent/adapters/mqttConnectOptions.ts';
import { MqttTaskChannel } from '../../agent/adapters/mqttTaskChannel.ts';
import { SqliteTaskStore } from '../../agent/adapters/sqliteTaskStore.ts';
import type { TaskLimits } from '../../agent/core/tasks/task.ts';
import { TaskRegistry } from '../../agent/core/tasks/taskRegistry.ts';
import type { AuditTrail } from '../../agent/ports/auditTrail.ts';
import type { TaskAck } from '../../agent/ports/taskChannel.ts';
import { TaskService } from '../../agent/services/taskService.ts';
import { testLogger } from './logger.ts';
import { SIGNED_LIMITS, signed, signedWithdrawal } from './tasks.ts';

export const ids = { prefix: 'tilsyn/v1', fleetId: 'kbh', vehicleId: 'sweeper-07' };
export const taskTopic = (scope: 'fleet' | 'vehicle', id: string) =>
  scope === 'fleet' ? `tilsyn/v1/fleet/kbh/tasks/${id}` : `tilsyn/v1/vehicle/sweeper-07/tasks/${id}`;

export interface TaskAgent {
  readonly registry: TaskRegistry;
  readonly channel: MqttTaskChannel;
  readonly service: TaskService;
  stop(): Promise<void>;
}

export async function startTaskAgent(options: {
  readonly url: string;
  readonly nowMs: number;
  readonly dataDir?: string;
  /** Default: signatures enforced with the tests' key (SIGNED_LIMITS). */
  readonly limits?: TaskLimits;
  readonly maxHeld?: number;
  /** Where acks are audited; none by default. */
  readonly audit?: () => AuditTrail;
  readonly channel?: Partial<MqttTaskChannelOptions>;
}): Promise<TaskAgent> {
  const registry = new TaskRegistry();
  const channel = new MqttTaskChannel({ url: options.url, reconnectPeriodMs: 500, ...ids, ...options.channel }, testLogger);
  const store = options.dataDir !== undefined ? new SqliteTaskStore({ dataDir: options.dataDir }) : undefined;
  await store?.start();
  const service = new TaskService(
    {
      knownLabels: ['car', 'person'],
      taskFiles: [],
      ids,
      limits: options.limits ?? SIGNED_LIMITS,
      ...(options.maxHeld !== undefined ? { maxHeld: options.maxHeld } : {}),
    },
    registry,
    channel,
    { nowMs: () => options.nowMs },
    testLogger,
    store,
    options.audit ?? null,
  );
  // The order of the agent: channel first, then the service (the channel holds what arrives in between).
  await channel.start(new AbortController().signal);
  await service.start();
  return {
    registry,
    channel,
    service,
    async stop() {
      await service.stop();
      await channel.stop();
      await store?.stop();
    },
  };
}

/** The scope a message for this topic carries. */
export const scopeOf = (scope: 'fleet' | 'vehicle') => (scope === 'fleet' ? { fleetId: ids.fleetId } : { vehicleId: ids.vehicleId });

/** Publishes a task signed for the topic's audience, as the central system does. */
export async function publishSigned(
  client: MqttClient,
  scope: 'fleet' | 'vehicle',
  task: Record<string, unknown>,
  options: { retain?: boolean } = {},
): Promise<void> {
  await client.publishAsync(taskTopic(scope, task.id as string), JSON.stringify(signed(task, scopeOf(scope))), { qos: 1, retain: options.retain ?? false });
}

/** Publishes a signed withdrawal on the task's topic (retained, so a vehicle away hears it when it comes back). */
export async function publishWithdrawal(client: MqttClient, scope: 'fleet' | 'vehicle', id: string, revision: number): Promise<void> {
  await client.publishAsync(taskTopic(scope, id), JSON.stringify(signedWithdrawal(id, revision, scopeOf(scope))), { qos: 1, retain: true });
}

/** A client in the role of the central system, collecting the vehicle's acks. */
export async function startCentral(url: string, extra: mqtt.IClientOptions = {}): Promise<{ client: MqttClient; acks: TaskAck[] }> {
  const client = await mqtt.connectAsync(url, { clientId: `central-${Math.random().toString(16).slice(2)}`, ...extra });
  const acks: TaskAck[] = [];
  client.on('message', (topic, payload) => {
    if (topic.endsWith('/acks')) acks.push(JSON.parse(payload.toString()) as TaskAck);
  });
  await client.subscribeAsync('tilsyn/v1/vehicle/sweeper-07/acks', { qos: 1 });
  return { client, acks };
}

export async function eventually(check: () => void, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
