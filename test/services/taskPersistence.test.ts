import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteTaskStore } from '../../agent/adapters/sqliteTaskStore.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { eventually, publishSigned, publishWithdrawal, startCentral, startTaskAgent } from '../support/taskAgent.ts';

const minimal = JSON.parse(readFileSync(new URL('../../fixtures/tasks/permit-4711.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const december = Date.parse('2026-12-10T12:00:00Z');
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `tilsyn-${name}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function broker(port: number, persistenceDir?: string): Promise<LocalBroker> {
  const b = await startLocalBroker(port, persistenceDir !== undefined ? { persistenceDir } : {});
  cleanups.push(() => b.stop());
  return b;
}

async function storedIds(dataDir: string): Promise<string[]> {
  const store = new SqliteTaskStore({ dataDir });
  await store.start();
  const ids = store.load().map((t) => t.id);
  await store.stop();
  return ids;
}

describe('accepted tasks survive a reboot and follow the retained topics', () => {
  it('works offline on stored tasks after a reboot, then drops what was withdrawn or expired meanwhile', async () => {
    const port = await freeLoopbackPort();
    const b = await broker(port);
    const dataDir = tempDir('tasks');
    const central = await startCentral(b.url);
    cleanups.push(() => central.client.endAsync());
    const short = { ...minimal, id: 'short', validUntil: '2026-12-11T00:00:00Z' };
    for (const t of [minimal, { ...minimal, id: 'gone' }, short]) await publishSigned(central.client, 'fleet', t, { retain: true });
    const first = await startTaskAgent({ url: b.url, nowMs: december, dataDir });
    await eventually(() => expect(first.registry.size).toBe(3));
    await first.stop();
    expect(await storedIds(dataDir)).toEqual(['gone', 'permit-4711', 'short']);

    // Rebooted, no network: the stored tasks are the work.
    const offline = await startTaskAgent({ url: `mqtt://127.0.0.1:${await freeLoopbackPort()}`, nowMs: december, dataDir });
    expect(offline.registry.all().map((t) => t.id).sort()).toEqual(['gone', 'permit-4711', 'short']);
    await offline.stop();

    // While the vehicle is away, the city withdraws one task (a signed withdrawal, retained); another runs out. The
    // next boot finds the broker again (with a new session, so only the retained topics tell what is current).
    await publishWithdrawal(central.client, 'fleet', 'gone', 2);
    central.acks.length = 0;
    const later = Date.parse('2026-12-12T08:00:00Z');
    const back = await startTaskAgent({ url: b.url, nowMs: later, dataDir, channel: { clientId: 'tilsyn-sweeper-07-new' } });
    cleanups.push(() => back.stop());
    await eventually(() => expect(back.registry.all().map((t) => t.id)).toEqual(['permit-4711']));
    await eventually(() =>
      expect(central.acks).toEqual(
        expect.arrayContaining([
          { taskId: 'short', revision: 1, status: 'expired', errors: [] },
          { taskId: 'gone', revision: 2, status: 'withdrawn', errors: [] },
        ]),
      ),
    );
    await back.stop();
    cleanups.pop();
    expect(await storedIds(dataDir)).toEqual(['permit-4711']);
  });

  it('rides out a broker restart: reconnects, keeps its tasks, follows a withdrawal and says it is online again', async () => {
    const port = await freeLoopbackPort();
    const persistenceDir = tempDir('mosquitto-db');
    let b = await broker(port, persistenceDir);
    const dataDir = tempDir('tasks');
    const central = await startCentral(b.url, { reconnectPeriod: 300, clean: false, clientId: 'central-restart' });
    cleanups.push(() => central.client.endAsync());
    for (const id of ['permit-4711', 'stays', 'pulled']) await publishSigned(central.client, 'vehicle', { ...minimal, id }, { retain: true });
    const agent = await startTaskAgent({ url: b.url, nowMs: december, dataDir });
    cleanups.push(() => agent.stop());
    await agent.channel.publishStatus({ state: 'online', version: 'test' });
    await eventually(() => expect(agent.registry.size).toBe(3));

    await b.stop();
    await eventually(() => expect(agent.channel.connected).toBe(false));
    expect(agent.registry.size).toBe(3);
    b = await broker(port, persistenceDir);
    await eventually(() => expect(central.client.connected).toBe(true));
    await publishWithdrawal(central.client, 'vehicle', 'pulled', 2);

    await eventually(() => expect(agent.channel.connected).toBe(true));
    await eventually(() => expect(agent.registry.all().map((t) => t.id).sort()).toEqual(['permit-4711', 'stays']));
    await eventually(() => expect(central.acks).toContainEqual({ taskId: 'pulled', revision: 2, status: 'withdrawn', errors: [] }));
    const watcher = await mqtt.connectAsync(b.url, { clientId: 'watcher' });
    cleanups.push(() => watcher.endAsync());
    const states: string[] = [];
    watcher.on('message', (_t, p) => states.push((JSON.parse(p.toString()) as { state: string }).state));
    await watcher.subscribeAsync('tilsyn/v1/vehicle/sweeper-07/status', { qos: 1 });
    await eventually(() => expect(states.at(-1)).toBe('online'));
    // Still taking new work after the restart.
    await publishSigned(central.client, 'vehicle', { ...minimal, id: 'fresh' }, { retain: true });
    await eventually(() => expect(agent.registry.get('fresh')).toBeDefined());
  });
});
