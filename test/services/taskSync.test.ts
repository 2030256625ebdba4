import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalBroker, type LocalBroker } from '../../agent/cli/localBroker.ts';
import { freeLoopbackPort } from '../../agent/cli/loopback.ts';
import { manifestOf, publishRetained, startSyncAgent, syncTask, type SyncAgent } from '../support/syncAgent.ts';
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
});
