import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { manifestOf, publishRetained, startSyncAgent, syncTask, type SyncAgent } from '../support/syncAgent.ts';
import { startTcpProxy } from '../../tools/bench/tcpProxy.ts';
import { eventually, startCentral, taskTopic } from '../support/taskAgent.ts';

const VEHICLE = { vehicleId: 'sweeper-07' };
const MANIFEST_TOPIC = 'tilsyn/v1/vehicle/sweeper-07/manifest';

let broker: LocalBroker;
let dataDir: string;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  broker = await startLocalBroker(await freeLoopbackPort());
  dataDir = mkdtempSync(path.join(tmpdir(), 'tilsyn-sync-'));
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await broker.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function agent(options: Omit<Parameters<typeof startSyncAgent>[0], 'url' | 'dataDir'> & { url?: string } = {}): Promise<SyncAgent> {
  const a = await startSyncAgent({ url: broker.url, dataDir, ...options });
  cleanups.push(() => a.stop());
  return a;
}

async function central() {
  const c = await startCentral(broker.url);
  cleanups.push(() => c.client.endAsync());
  return c;
}

function tasks(n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => ({ id: `t-${String(from + i).padStart(5, '0')}`, revision: 1 }));
}

describe('task sync against a Mosquitto with its default queue (1,000 queued + 20 in flight per client)', () => {
  it('holds all of 5,000 retained tasks where a wildcard subscriber is cut off at the queue limit', async () => {
    const { client } = await central();
    const assigned = tasks(5_000);
    await publishRetained(client, assigned.map((t) => [taskTopic('vehicle', t.id), syncTask(t.id)]));
    await client.publishAsync(MANIFEST_TOPIC, manifestOf(VEHICLE, 1, assigned), { qos: 1, retain: true });

    // What a vehicle without a manifest gets from this broker: the retained flood overflows its queue.
    const flooded = await mqtt.connectAsync(broker.url, { clientId: 'wildcard-reader', protocolVersion: 5 });
    cleanups.push(() => flooded.endAsync());
    let heard = 0;
    flooded.on('message', () => (heard += 1));
    await flooded.subscribeAsync('tilsyn/v1/vehicle/sweeper-07/tasks/+', { qos: 1 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(heard).toBeGreaterThan(0);
    expect(heard).toBeLessThanOrEqual(1_020);

    const a = await agent();
    await eventually(() => expect(a.sync.figures()).toMatchObject({ held: 5_000, expected: 5_000, missing: 0 }), 90_000);
    expect(a.registry.size).toBe(5_000);
    // Each task came once (no wildcard flood besides the batches): bytes stay near the payloads themselves.
    const payloadBytes = assigned.reduce((sum, t) => sum + syncTask(t.id).length, 0);
    expect(a.channel.stats.bytesReceived).toBeLessThan(payloadBytes * 1.4);
  }, 150_000);

  it('recovers the tasks lost when the broker restarts mid-sync', async () => {
    await broker.stop();
    const persistenceDir = mkdtempSync(path.join(tmpdir(), 'tilsyn-sync-broker-'));
    cleanups.push(async () => rmSync(persistenceDir, { recursive: true, force: true }));
    broker = await startLocalBroker(broker.port, { persistenceDir });
    const { client } = await central();
    const assigned = tasks(3_000);
    await publishRetained(client, assigned.map((t) => [taskTopic('vehicle', t.id), syncTask(t.id)]));
    await client.publishAsync(MANIFEST_TOPIC, manifestOf(VEHICLE, 1, assigned), { qos: 1, retain: true });
    await client.endAsync();
    await new Promise((r) => setTimeout(r, 1_500)); // autosave_interval 1: the retained tasks are on disk

    const a = await agent({ sync: { batchSize: 25 } });
    await eventually(() => expect(a.sync.figures()?.held ?? 0).toBeGreaterThan(100), 60_000);
    await broker.stop(); // mid-sync: batches in flight and messages queued for the vehicle are cut off
    const cut = a.sync.figures()!;
    expect(cut.missing).toBeGreaterThan(0);
    expect(cut.held + cut.missing).toBe(3_000);
    broker = await startLocalBroker(broker.port, { persistenceDir });

    await eventually(() => expect(a.sync.figures()).toMatchObject({ held: 3_000, expected: 3_000, missing: 0 }), 90_000);
    expect(a.registry.size).toBe(3_000);
    expect(a.channel.stats.connects).toBeGreaterThanOrEqual(2);
  }, 150_000);

  it('resumes a kept session without subscribing again: a reconnect brings only the 10 changes and the new manifest', async () => {
    const proxy = await startTcpProxy(broker.port);
    cleanups.push(() => proxy.stop());
    const { client } = await central();
    const assigned = tasks(1_000);
    await publishRetained(client, assigned.map((t) => [taskTopic('vehicle', t.id), syncTask(t.id)]));
    await client.publishAsync(MANIFEST_TOPIC, manifestOf(VEHICLE, 1, assigned), { qos: 1, retain: true });
    const a = await agent({ url: `mqtt://127.0.0.1:${proxy.port}` });
    await eventually(() => expect(a.sync.figures()).toMatchObject({ held: 1_000, missing: 0 }), 60_000);
    await eventually(() => expect(a.sync.busy).toBe(false));
    await new Promise((r) => setTimeout(r, 300)); // the last acks reach the broker
    const firstConnectBytes = a.channel.stats.bytesReceived;

    await proxy.cut();
    await eventually(() => expect(a.channel.connected).toBe(false));
    // While the vehicle is away: 10 tasks get a new revision, and the manifest says so.
    const changed = assigned.slice(0, 10).map((t) => ({ id: t.id, revision: 2 }));
    const now = [...changed, ...assigned.slice(10)];
    const changes: [string, string][] = changed.map((t) => [taskTopic('vehicle', t.id), syncTask(t.id, 2)]);
    const manifest = manifestOf(VEHICLE, 2, now);
    await publishRetained(client, [...changes, [MANIFEST_TOPIC, manifest]]);
    const before = a.channel.stats;
    await proxy.mend();

    await eventually(() => expect(a.sync.figures()).toMatchObject({ held: 1_000, expected: 1_000, missing: 0 }), 30_000);
    await eventually(() => expect(changed.every((t) => a.registry.get(t.id)?.revision === 2)).toBe(true));
    await new Promise((r) => setTimeout(r, 500)); // nothing else is on its way
    const after = a.channel.stats;
    expect(after.sessionsResumed - before.sessionsResumed).toBe(1);
    // The 10 changes and the manifest, nothing of the 990 unchanged tasks.
    expect(after.messagesReceived - before.messagesReceived).toBe(11);
    const reconnectBytes = after.bytesReceived - before.bytesReceived;
    const changeBytes = changes.reduce((sum, [topic, payload]) => sum + topic.length + payload.length, 0) + manifest.length;
    expect(reconnectBytes).toBeGreaterThanOrEqual(changeBytes);
    expect(reconnectBytes).toBeLessThan(changeBytes + 4_000);
    expect(reconnectBytes).toBeLessThan(firstConnectBytes / 5);
  }, 120_000);

  it('rejects and audits a tampered manifest (unsigned, another vehicle, another key, an older revision)', async () => {
    const keys = generateKeyPairSync('ed25519');
    const pem = keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const otherPem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const { client } = await central();
    await publishRetained(client, [
      [taskTopic('vehicle', 'a'), syncTask('a', 1, pem)],
      [taskTopic('vehicle', 'b'), syncTask('b', 1, pem)],
    ]);
    const a = await agent({ publicKeys: [keys.publicKey] });
    await eventually(() => expect(a.registry.size).toBe(2));
    const listed = [
      { id: 'a', revision: 1 },
      { id: 'b', revision: 1 },
    ];
    const rejected = () => a.audit.filter((e) => e.kind === 'manifest-rejected').map((e) => JSON.stringify(e.detail));

    const attempts = [
      manifestOf(VEHICLE, 7, listed), // unsigned
      manifestOf({ vehicleId: 'bus-99' }, 7, listed, pem), // signed, but for another vehicle
      manifestOf({ fleetId: 'kbh' }, 7, listed, pem), // signed, but for the fleet, on the vehicle's topic
      manifestOf(VEHICLE, 7, listed, otherPem), // signed by a key this vehicle does not trust
    ];
    for (const m of attempts) await client.publishAsync(MANIFEST_TOPIC, m, { qos: 1, retain: true });
    await eventually(() => expect(rejected()).toHaveLength(4));
    expect(rejected()[0]).toContain('not signed');
    expect(rejected()[1]).toContain('bus-99');
    expect(rejected()[2]).toContain('fleet');
    expect(rejected()[3]).toContain('does not verify');
    expect(a.sync.figures()).toBeNull();
    expect(a.registry.size).toBe(2);

    await client.publishAsync(MANIFEST_TOPIC, manifestOf(VEHICLE, 7, listed, pem), { qos: 1, retain: true });
    await eventually(() => expect(a.sync.figures()).toMatchObject({ held: 2, expected: 2, missing: 0 }));
    // A replay of an older signed manifest that would take task b away is refused; so b stays.
    await client.publishAsync(MANIFEST_TOPIC, manifestOf(VEHICLE, 6, [listed[0]!], pem), { qos: 1, retain: true });
    await eventually(() => expect(rejected()).toHaveLength(5));
    expect(rejected()[4]).toContain('older than revision 7');
    expect(a.registry.get('b')).toBeDefined();
    // A newer one without b withdraws it, as its signed withdrawal would.
    await client.publishAsync(MANIFEST_TOPIC, manifestOf(VEHICLE, 8, [listed[0]!], pem), { qos: 1, retain: true });
    await eventually(() => expect(a.registry.get('b')).toBeUndefined());
    expect(a.sync.figures()).toMatchObject({ held: 1, expected: 1, missing: 0 });
  }, 60_000);

  it('without a manifest takes every retained task as before, and says nothing of taskSync', async () => {
    const { client } = await central();
    await publishRetained(client, [
      [taskTopic('vehicle', 'own-1'), syncTask('own-1')],
      [taskTopic('fleet', 'fleet-1'), syncTask('fleet-1')],
    ]);
    const a = await agent();
    await eventually(() => expect(a.registry.all().map((t) => t.id).sort()).toEqual(['fleet-1', 'own-1']));
    expect(a.sync.syncMode).toBe('no-manifest');
    expect(a.sync.figures()).toBeNull();
    // A task listed but never published shows as missing once a manifest comes.
    await client.publishAsync(
      'tilsyn/v1/fleet/kbh/manifest',
      manifestOf({ fleetId: 'kbh' }, 1, [{ id: 'fleet-1', revision: 1 }, { id: 'fleet-2', revision: 1 }]),
      { qos: 1, retain: true },
    );
    await eventually(() => expect(a.sync.figures()).toMatchObject({ held: 1, expected: 2, missing: 1, notOnBroker: 1 }));
    // own-1 is in no manifest: with manifests in use, the manifests are the truth.
    expect(a.registry.get('own-1')).toBeUndefined();
  }, 60_000);
});
