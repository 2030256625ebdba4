import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MqttTaskChannel } from '../../agent/adapters/mqttTaskChannel.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { TaskRegistry } from '../../agent/core/tasks/taskRegistry.ts';
import type { TaskAck } from '../../agent/ports/taskChannel.ts';
import { TaskService } from '../../agent/services/taskService.ts';
import { testLogger } from '../support/logger.ts';
import { eventually, publishSigned, publishWithdrawal, scopeOf } from '../support/taskAgent.ts';
import { SIGNED_LIMITS, signed } from '../support/tasks.ts';

const minimal = JSON.parse(readFileSync(new URL('../../fixtures/tasks/permit-4711.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const ids = { prefix: 'tilsyn/v1', fleetId: 'kbh', vehicleId: 'sweeper-07' };
const taskTopic = (scope: 'fleet' | 'vehicle', id: string) =>
  scope === 'fleet' ? `tilsyn/v1/fleet/kbh/tasks/${id}` : `tilsyn/v1/vehicle/sweeper-07/tasks/${id}`;

let broker: LocalBroker;
let central: MqttClient;
let acks: TaskAck[];
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  broker = await startLocalBroker(await freeLoopbackPort());
  central = await mqtt.connectAsync(broker.url, { clientId: 'central' });
  acks = [];
  await central.subscribeAsync('tilsyn/v1/vehicle/sweeper-07/acks', { qos: 1 });
  central.on('message', (topic, payload) => {
    if (topic.endsWith('/acks')) acks.push(JSON.parse(payload.toString()) as TaskAck);
  });
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await central.endAsync();
  await broker.stop();
});

async function startAgentSide(nowMs = Date.parse('2026-12-10T12:00:00Z')) {
  const registry = new TaskRegistry();
  const channel = new MqttTaskChannel({ url: broker.url, ...ids }, testLogger);
  const service = new TaskService(
    { knownLabels: ['car', 'person'], taskFiles: [], ids, limits: SIGNED_LIMITS },
    registry,
    channel,
    { nowMs: () => nowMs },
    testLogger,
  );
  await service.start();
  await channel.start(new AbortController().signal);
  cleanups.push(async () => {
    await service.stop();
    await channel.stop();
  });
  return { registry, channel };
}

describe('tasks over a real Mosquitto', () => {
  it('takes retained signed tasks from the fleet and the vehicle topic, acks them, and withdraws on a signed withdrawal', async () => {
    await publishSigned(central, 'fleet', minimal, { retain: true });
    const { registry } = await startAgentSide();
    await publishSigned(central, 'vehicle', { ...minimal, id: 'own-1' }, { retain: true });
    await eventually(() => expect(registry.all().map((t) => t.id).sort()).toEqual(['own-1', 'permit-4711']));
    await eventually(() => expect(acks.filter((a) => a.status === 'accepted').map((a) => a.taskId).sort()).toEqual(['own-1', 'permit-4711']));

    // Clearing the retained copy is not a withdrawal: the task stays.
    await central.publishAsync(taskTopic('fleet', 'permit-4711'), '', { qos: 1, retain: true });
    await publishWithdrawal(central, 'vehicle', 'own-1', 2);
    await eventually(() => expect(acks).toContainEqual({ taskId: 'own-1', revision: 2, status: 'withdrawn', errors: [] }));
    expect(registry.get('own-1')).toBeUndefined();
    expect(registry.get('permit-4711')?.revision).toBe(1);
    expect(acks.filter((a) => a.taskId === 'permit-4711').map((a) => a.status)).toEqual(['accepted']);
  });

  it('rejects a bad task with readable errors and keeps running', async () => {
    const { registry } = await startAgentSide();
    await central.publishAsync(taskTopic('vehicle', 'bad'), JSON.stringify(signed({ ...minimal, id: 'bad', lookFor: ['unicorn'], extra: 1 }, scopeOf('vehicle'))), { qos: 1 });
    await central.publishAsync(taskTopic('vehicle', 'junk'), 'not json at all', { qos: 1 });
    await central.publishAsync(taskTopic('vehicle', 'other-id'), JSON.stringify(signed(minimal, scopeOf('vehicle'))), { qos: 1 });
    await publishSigned(central, 'vehicle', minimal);
    await eventually(() => expect(acks).toHaveLength(4));
    expect(acks[0]).toMatchObject({ taskId: 'bad', revision: 1, status: 'rejected', errors: [{ path: '', message: expect.stringContaining('extra') }] });
    expect(acks[1]).toMatchObject({ taskId: 'junk', status: 'rejected', errors: [{ message: expect.stringContaining('not JSON') }] });
    expect(acks[2]).toMatchObject({ taskId: 'other-id', status: 'rejected', errors: [{ path: 'id' }] });
    expect(acks[3]).toMatchObject({ taskId: 'permit-4711', status: 'accepted' });
    expect(registry.all().map((t) => t.id)).toEqual(['permit-4711']);
  });

  it('never lets an older revision replace a newer one, and answers an expired task with "expired"', async () => {
    const { registry } = await startAgentSide();
    await publishSigned(central, 'vehicle', { ...minimal, revision: 3 });
    await publishSigned(central, 'vehicle', { ...minimal, revision: 2, purpose: 'old' });
    await publishSigned(central, 'vehicle', { ...minimal, id: 'done', validFrom: '2026-01-01T00:00:00Z', validUntil: '2026-02-01T00:00:00Z' });
    await eventually(() => expect(acks).toHaveLength(3));
    expect(acks.map((a) => [a.taskId, a.revision, a.status])).toEqual([
      ['permit-4711', 3, 'accepted'],
      ['permit-4711', 2, 'rejected'],
      ['done', 1, 'expired'],
    ]);
    expect(registry.get('permit-4711')?.revision).toBe(3);
    expect(registry.get('done')).toBeUndefined();
  });

  it('publishes a retained online status, and "offline" when the agent stops', async () => {
    const { channel } = await startAgentSide();
    await channel.publishStatus({ state: 'online', version: 'test' });
    const statuses: string[] = [];
    const watcher = await mqtt.connectAsync(broker.url, { clientId: 'watcher' });
    watcher.on('message', (_t, p) => statuses.push(JSON.parse(p.toString()).state as string));
    await watcher.subscribeAsync('tilsyn/v1/vehicle/sweeper-07/status', { qos: 1 });
    await eventually(() => expect(statuses).toEqual(['online']));
    await channel.stop();
    await eventually(() => expect(statuses).toEqual(['online', 'offline']));
    await watcher.endAsync();
  });
});
