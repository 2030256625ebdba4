// Observations over a real Mosquitto: published QoS 1 on the vehicle's observations topic, kept in the SQLite outbox
// while the broker is away (also across an agent restart), sent on reconnect, and removed only once acknowledged.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { MqttTaskChannel } from '../../agent/adapters/mqttTaskChannel.ts';
import { SqliteObservationOutbox } from '../../agent/adapters/sqliteObservationOutbox.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { judgeFrame } from '../../agent/core/detection/frameVerdict.ts';
import { observationSchema, type ObservationMessage } from '../../agent/core/tasks/messages.ts';
import { buildObservation } from '../../agent/core/tasks/observation.ts';
import type { Task } from '../../agent/core/tasks/task.ts';
import { AUDIT_SCHEMA, readAuditRecords, SqliteAuditTrail } from '../../agent/adapters/sqliteAuditTrail.ts';
import { openDurableSqlite } from '../../agent/adapters/sqliteFile.ts';
import { verifyChain } from '../../agent/core/evidence/auditChain.ts';
import type { AuditTrail } from '../../agent/ports/auditTrail.ts';
import { ObservationService } from '../../agent/services/observationService.ts';
import { testLogger } from '../support/logger.ts';

const PREFIX = 'tilsyn/v1';
const TOPIC = `${PREFIX}/vehicle/obs-bus/observations`;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
});

async function until(ok: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const task = { id: 'bins-12', revision: 3, lookFor: ['car'], keep: 'none', minConfidence: 0.4 } as unknown as Task;
const observation = (): ObservationMessage =>
  buildObservation({ vehicleId: 'obs-bus', verdict: judgeFrame([task], [])[0]!, capturedAtMs: Date.now(), lat: 55.69, lon: 12.55, evidenceIds: [] });

/** The vehicle's side: channel, outbox on dataDir, and the service between them. */
async function startVehicle(brokerUrl: string, dataDir: string, extra: { maxQueued?: number; audit?: () => AuditTrail } = {}) {
  const channel = new MqttTaskChannel({ url: brokerUrl, prefix: PREFIX, fleetId: 'f', vehicleId: 'obs-bus', reconnectPeriodMs: 200 }, testLogger);
  const outbox = new SqliteObservationOutbox({ dataDir, nowMs: () => Date.now() });
  await outbox.start();
  await channel.start(new AbortController().signal);
  const service = new ObservationService(
    { maxInFlight: 5, retryMs: 200, ackTimeoutMs: 5_000, ...(extra.maxQueued !== undefined ? { maxQueued: extra.maxQueued } : {}) },
    outbox,
    channel,
    testLogger,
    extra.audit ?? null,
  );
  await service.start();
  const stop = async () => {
    await service.stop();
    await channel.stop();
    await outbox.stop();
  };
  stops.push(stop);
  return { service, outbox, stop };
}

/** The central side: a persistent session, so what is published while it reconnects waits for it at the broker. */
async function startCentral(url: string): Promise<{ client: MqttClient; got: ObservationMessage[] }> {
  const got: ObservationMessage[] = [];
  const client = await mqtt.connectAsync(url, { clientId: 'central-obs', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 600 }, reconnectPeriod: 200 });
  client.on('message', (topic, payload) => {
    if (topic === TOPIC) got.push(observationSchema.parse(JSON.parse(payload.toString())));
  });
  await client.subscribeAsync(TOPIC, { qos: 1 });
  stops.push(() => client.endAsync());
  return { client, got };
}

/** A Mosquitto on a fixed loopback port with retained persistence, which a test stops and starts again. */
async function restartableBroker(): Promise<{ url: string; stop(): Promise<void>; restart(): Promise<void> }> {
  const persistenceDir = mkdtempSync(path.join(tmpdir(), 'tilsyn-obs-broker-'));
  const port = await freeLoopbackPort();
  let broker: LocalBroker = await startLocalBroker(port, { persistenceDir });
  stops.push(() => broker.stop());
  return {
    url: broker.url,
    stop: () => broker.stop(),
    restart: async () => {
      broker = await startLocalBroker(port, { persistenceDir });
    },
  };
}

describe('observations over a real broker', () => {
  it('publishes each recorded observation on the observations topic and empties the outbox', async () => {
    const broker = await startLocalBroker(await freeLoopbackPort());
    stops.push(() => broker.stop());
    const central = await startCentral(broker.url);
    const vehicle = await startVehicle(broker.url, mkdtempSync(path.join(tmpdir(), 'tilsyn-obs-')));
    const sent = [observation(), observation(), observation()];
    for (const o of sent) vehicle.service.record(o);
    await until(() => central.got.length >= 3, 20_000, () => `${central.got.length} of 3 arrived`);
    expect(central.got).toEqual(sent);
    await until(() => vehicle.service.waiting === 0, 10_000, () => `${vehicle.service.waiting} still in the outbox`);
  }, 60_000);

  it('keeps observations while the broker is down, across an agent restart, and delivers them all when it is back', async () => {
    const broker = await restartableBroker();
    const central = await startCentral(broker.url);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tilsyn-obs-'));
    const first = await startVehicle(broker.url, dataDir);

    await broker.stop();
    const whileDown = [observation(), observation()];
    for (const o of whileDown) first.service.record(o);
    await new Promise((r) => setTimeout(r, 500));
    expect(first.service.waiting).toBe(2);
    expect(central.got).toEqual([]);
    // The agent stops (or loses power) before the broker returns: the outbox is on disk.
    await first.stop();

    const second = await startVehicle(broker.url, dataDir);
    const afterRestart = observation();
    second.service.record(afterRestart);
    expect(second.service.waiting).toBe(3);

    await broker.restart();
    const expected = [...whileDown, afterRestart];
    await until(() => new Set(central.got.map((o) => o.id)).size >= 3, 30_000, () => `${central.got.length} of 3 arrived`);
    // At least once, oldest first; nothing but these three.
    expect([...new Set(central.got.map((o) => o.id))]).toEqual(expected.map((o) => o.id));
    await until(() => second.service.waiting === 0, 10_000, () => `${second.service.waiting} still in the outbox`);
  }, 90_000);

  it('holds at most maxQueued while the broker is away for long: the oldest are dropped, counted and audited', async () => {
    const broker = await restartableBroker();
    const central = await startCentral(broker.url);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tilsyn-obs-'));
    const auditDb = openDurableSqlite(path.join(dataDir, 'audit.sqlite'), AUDIT_SCHEMA);
    stops.push(async () => void auditDb.close());
    const trail = new SqliteAuditTrail(auditDb, () => Date.now());
    const first = await startVehicle(broker.url, dataDir, { maxQueued: 100, audit: () => trail });

    await broker.stop();
    const recorded = Array.from({ length: 130 }, observation);
    for (const o of recorded) first.service.record(o);
    expect(first.service.waiting).toBe(100);
    expect(first.service.stats).toMatchObject({ recorded: 130, dropped: 30, waiting: 100 });
    const dropped = [...readAuditRecords(auditDb)].filter((r) => r.kind === 'observations-dropped');
    expect(dropped.reduce((n, r) => n + (JSON.parse(r.detail) as { dropped: number }).dropped, 0)).toBe(30);
    expect(JSON.parse(dropped[0]!.detail)).toMatchObject({ reason: 'outbox-full', maxQueued: 100 });
    expect(verifyChain([...readAuditRecords(auditDb)]).ok).toBe(true);
    await first.stop();

    // The bound holds across a restart (the count is read back from the file), and the newest 100 go out in order.
    const second = await startVehicle(broker.url, dataDir, { maxQueued: 100, audit: () => trail });
    expect(second.service.waiting).toBe(100);
    await broker.restart();
    await until(() => new Set(central.got.map((o) => o.id)).size >= 100, 30_000, () => `${central.got.length} of 100 arrived`);
    expect([...new Set(central.got.map((o) => o.id))]).toEqual(recorded.slice(30).map((o) => o.id));
    await until(() => second.service.waiting === 0, 10_000, () => `${second.service.waiting} still in the outbox`);
  }, 90_000);
});
