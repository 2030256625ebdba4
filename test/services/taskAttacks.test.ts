// The task attacks of issue 12, each against a real Mosquitto and the SQLite task store: rollback, replay across
// fleets, withdrawal without the key, oversize and flooding messages.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_SCHEMA, SqliteAuditTrail } from '../../agent/adapters/sqliteAuditTrail.ts';
import { openDurableSqlite } from '../../agent/adapters/sqliteFile.ts';
import { DEFAULT_TASK_LIMITS } from '../../agent/core/tasks/task.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { eventually, publishSigned, publishWithdrawal, startCentral, startTaskAgent, taskTopic } from '../support/taskAgent.ts';
import { signed, signedWithdrawal } from '../support/tasks.ts';

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

async function setup(options: { unsigned?: boolean; audit?: boolean } = {}) {
  const broker: LocalBroker = await startLocalBroker(await freeLoopbackPort());
  cleanups.push(() => broker.stop());
  const dataDir = tempDir('attack');
  const central = await startCentral(broker.url);
  cleanups.push(() => central.client.endAsync());
  const auditDb = options.audit === true ? openDurableSqlite(path.join(dataDir, 'audit.sqlite'), AUDIT_SCHEMA) : null;
  if (auditDb !== null) cleanups.push(() => void auditDb.close());
  const trail = auditDb === null ? undefined : new SqliteAuditTrail(auditDb, () => Date.now());
  const start = async () => {
    const agent = await startTaskAgent({
      url: broker.url,
      nowMs: december,
      dataDir,
      ...(options.unsigned === true ? { limits: DEFAULT_TASK_LIMITS } : {}),
      ...(trail !== undefined ? { audit: () => trail } : {}),
    });
    cleanups.push(() => agent.stop());
    return agent;
  };
  return { broker, central, dataDir, auditDb, start };
}

const wide = { ...minimal, revision: 1, retentionDays: 365, purpose: 'wide, old' };
const narrow = { ...minimal, revision: 2, retentionDays: 7, purpose: 'narrow, current' };

describe('a signed task cannot be rolled back, withdrawn or re-scoped without the city key', () => {
  it('an empty payload withdraws nothing; a replayed older revision is refused — also after a restart', async () => {
    const { central, start } = await setup();
    const agent = await start();
    await publishSigned(central.client, 'vehicle', narrow);
    await eventually(() => expect(agent.registry.get('permit-4711')?.revision).toBe(2));

    // The broker operator clears the retained copy, then replays revision 1 (wider, 365 days) it kept.
    await central.client.publishAsync(taskTopic('vehicle', 'permit-4711'), '', { qos: 1, retain: true });
    await publishSigned(central.client, 'vehicle', wide);
    await eventually(() => expect(central.acks.some((a) => a.revision === 1)).toBe(true));
    expect(central.acks.map((a) => [a.revision, a.status])).toEqual([
      [2, 'accepted'],
      [1, 'rejected'],
    ]);
    expect(central.acks[1]!.errors[0]!.message).toContain('older than revision 2');
    expect(agent.registry.get('permit-4711')?.retentionDays).toBe(7);

    // The city withdraws it properly (revision 3); an old revision replayed after a restart is still refused.
    await publishWithdrawal(central.client, 'vehicle', 'permit-4711', 3);
    await eventually(() => expect(agent.registry.get('permit-4711')).toBeUndefined());
    await agent.stop();
    const again = await start();
    await publishSigned(central.client, 'vehicle', narrow);
    await publishSigned(central.client, 'vehicle', { ...wide, purpose: 'replayed after restart' });
    await eventually(() => expect(central.acks.filter((a) => a.status === 'rejected')).toHaveLength(3));
    expect(again.registry.get('permit-4711')).toBeUndefined();
    // The retained withdrawal heard again after the restart is a repeat, not an error.
    expect(central.acks.filter((a) => a.status === 'withdrawn').map((a) => a.revision)).toEqual([3, 3]);
    // A withdrawal that does not rise above every revision seen is refused.
    await central.client.publishAsync(taskTopic('vehicle', 'permit-4711'), JSON.stringify(signedWithdrawal('permit-4711', 2, { vehicleId: 'sweeper-07' })), { qos: 1 });
    await eventually(() => expect(central.acks.at(-1)).toMatchObject({ revision: 2, status: 'rejected', errors: [{ path: 'revision' }] }));
  });

  it('an expired older revision does not remove the newer one held', async () => {
    const { central, start } = await setup();
    const agent = await start();
    await publishSigned(central.client, 'vehicle', { ...narrow, revision: 5 });
    await eventually(() => expect(agent.registry.get('permit-4711')?.revision).toBe(5));
    await publishSigned(central.client, 'vehicle', { ...minimal, revision: 4, validFrom: '2026-01-01T00:00:00Z', validUntil: '2026-02-01T00:00:00Z' });
    await eventually(() => expect(central.acks).toHaveLength(2));
    expect(central.acks[1]).toMatchObject({ revision: 4, status: 'rejected' });
    expect(agent.registry.get('permit-4711')?.revision).toBe(5);
  });

  it('a task signed for another fleet or vehicle is refused on ours, and a fleet task on a vehicle topic', async () => {
    const { central, start } = await setup();
    const agent = await start();
    const send = (scope: 'fleet' | 'vehicle', id: string, signedFor: Record<string, string>) =>
      central.client.publishAsync(taskTopic(scope, id), JSON.stringify(signed({ ...minimal, id }, signedFor as { fleetId: string })), { qos: 1 });
    await send('fleet', 'other-fleet', { fleetId: 'aarhus' });
    await send('vehicle', 'other-vehicle', { vehicleId: 'sweeper-08' });
    await send('vehicle', 'fleet-on-vehicle', { fleetId: 'kbh' });
    await central.client.publishAsync(taskTopic('fleet', 'no-scope'), JSON.stringify(signed({ ...minimal, id: 'no-scope' }, undefined as never)), { qos: 1 });
    await send('fleet', 'ours', { fleetId: 'kbh' });
    await eventually(() => expect(central.acks).toHaveLength(5));
    const byId = Object.fromEntries(central.acks.map((a) => [a.taskId, a]));
    expect(byId['other-fleet']).toMatchObject({ status: 'rejected', errors: [{ path: 'scope', message: 'the message is for fleet "aarhus" but arrived on the topic of fleet "kbh"' }] });
    expect(byId['other-vehicle']).toMatchObject({ status: 'rejected', errors: [{ path: 'scope', message: expect.stringContaining('vehicle "sweeper-08"') }] });
    expect(byId['fleet-on-vehicle']).toMatchObject({ status: 'rejected', errors: [{ path: 'scope' }] });
    expect(byId['no-scope']).toMatchObject({ status: 'rejected', errors: [{ path: 'scope', message: expect.stringContaining('must name its audience') }] });
    expect(byId['ours']).toMatchObject({ status: 'accepted' });
    expect(agent.registry.all().map((t) => t.id)).toEqual(['ours']);
  });

  it('where unsigned tasks are allowed, an empty payload withdraws, but the revision it ended is not taken again', async () => {
    const { central, start } = await setup({ unsigned: true });
    const agent = await start();
    await central.client.publishAsync(taskTopic('vehicle', 'permit-4711'), JSON.stringify(narrow), { qos: 1, retain: true });
    await eventually(() => expect(agent.registry.get('permit-4711')?.revision).toBe(2));
    await central.client.publishAsync(taskTopic('vehicle', 'permit-4711'), '', { qos: 1, retain: true });
    await eventually(() => expect(agent.registry.get('permit-4711')).toBeUndefined());
    await central.client.publishAsync(taskTopic('vehicle', 'permit-4711'), JSON.stringify(wide), { qos: 1 });
    await central.client.publishAsync(taskTopic('vehicle', 'permit-4711'), JSON.stringify({ ...narrow, purpose: 'same revision again' }), { qos: 1 });
    await eventually(() => expect(central.acks).toHaveLength(4));
    expect(central.acks.map((a) => a.status)).toEqual(['accepted', 'withdrawn', 'rejected', 'rejected']);
    expect(agent.registry.size).toBe(0);
  });
});

describe('inputs are bounded', () => {
  it('a 64 MiB retained task message is never delivered: the agent lives, its memory stays put, and the next task is taken', async () => {
    const { broker, central, dataDir, start } = await setup();
    const agent = await start();
    const big = path.join(dataDir, 'big.json');
    // Written a MiB at a time, so the test process itself never holds it.
    const fd = openSync(big, 'w');
    writeSync(fd, '{"id":"big","purpose":"');
    const mib = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 64; i++) writeSync(fd, mib);
    writeSync(fd, '"}');
    closeSync(fd);
    const rssBefore = process.memoryUsage().rss;
    // Published by another process, so only the agent's side of this process is measured.
    const port = new URL(broker.url).port;
    const pub = spawnSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-V', 'mqttv5', '-q', '1', '-r', '-t', taskTopic('vehicle', 'big'), '-f', big], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(pub.status, pub.stderr).toBe(0);
    rmSync(big);
    await publishSigned(central.client, 'vehicle', minimal);
    await eventually(() => expect(central.acks.at(-1)).toMatchObject({ taskId: 'permit-4711', status: 'accepted' }));
    const growthMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    console.info(`64 MiB retained message: RSS of the test process grew ${growthMb.toFixed(1)} MiB`);
    // Never delivered: the only message the agent heard is the good task.
    expect(agent.service.stats.messages).toBe(1);
    expect(central.acks.filter((a) => a.taskId === 'big')).toEqual([]);
    expect(growthMb).toBeLessThan(32);
    expect(agent.registry.all().map((t) => t.id)).toEqual(['permit-4711']);
  }, 120_000);

  it('a flood of duplicates and of long junk leaves small acks and an audit that stops growing', async () => {
    const { central, auditDb, dataDir, start } = await setup({ audit: true });
    const agent = await start();
    const auditBytes = () => (auditDb!.prepare('SELECT SUM(LENGTH(detail)) AS n FROM audit').get() as { n: number | null }).n ?? 0;
    const junkKeys = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`${'k'.repeat(1000)}${i}`, 1]));
    const longLookFor = { ...minimal, id: 'long', lookFor: Array.from({ length: 20 }, () => 'u'.repeat(10_000)) };
    const own = { vehicleId: 'sweeper-07' };
    await publishSigned(central.client, 'vehicle', minimal);
    await eventually(() => expect(central.acks).toHaveLength(1));
    // 2,000 copies of one task, and 1,000 messages each with 200 KB of unknown key names or 200 KB class names.
    const sends: Promise<unknown>[] = [];
    const payload = JSON.stringify(signed(minimal, { vehicleId: 'sweeper-07' }));
    for (let i = 0; i < 2_000; i++) sends.push(central.client.publishAsync(taskTopic('vehicle', 'permit-4711'), payload, { qos: 1 }));
    await Promise.all(sends.splice(0));
    for (let i = 0; i < 500; i++) {
      sends.push(central.client.publishAsync(taskTopic('vehicle', `junk-${i}`), JSON.stringify(signed({ ...minimal, id: `junk-${i}`, ...junkKeys }, own)), { qos: 1 }));
      sends.push(central.client.publishAsync(taskTopic('vehicle', 'long'), JSON.stringify(signed({ ...longLookFor, revision: i + 2 }, own)), { qos: 1 }));
    }
    await Promise.all(sends);
    await eventually(() => expect(agent.service.stats.messages).toBe(3_001), 120_000);
    await eventually(() => expect(central.acks).toHaveLength(1_001), 60_000);
    expect(agent.service.stats.duplicates).toBe(2_000);
    const largestAck = Math.max(...central.acks.map((a) => JSON.stringify(a).length));
    expect(largestAck).toBeLessThanOrEqual(4096);
    expect(central.acks.find((a) => a.taskId === 'junk-0')!.errors[0]!.message).toMatch(/^unknown key\(s\): k{23}…, /);
    const rows = (auditDb!.prepare('SELECT COUNT(*) AS n FROM audit').get() as { n: number }).n;
    const bytes = auditBytes();
    console.info(
      `flood of 3,000 messages (2,000 duplicates, 1,000 of ~200 KB junk): ${rows} audit records, ${(bytes / 1024).toFixed(1)} KiB of detail, largest ack ${largestAck} B; tasks.sqlite ${(statSync(path.join(dataDir, 'tasks.sqlite')).size / 1024).toFixed(0)} KiB`,
    );
    // One accepted, at most 30 rejections itemised a minute (the flood takes a minute or two on a loaded machine),
    // the rest counted in one summary record per minute.
    expect(rows).toBeLessThanOrEqual(1 + 4 * 31);
    expect(bytes).toBeLessThan(256 * 1024);
    await agent.service.stop();
    const rejections = (auditDb!.prepare("SELECT detail FROM audit WHERE kind = 'task-rejected'").all() as { detail: string }[]).map(
      (r) => JSON.parse(r.detail) as { notItemised?: number },
    );
    const counted = rejections.reduce((n, r) => n + (r.notItemised ?? 1), 0);
    expect(counted).toBe(1_000);
  }, 300_000);

  it('takes no new task beyond tasks.maxHeld, and still takes revisions of held ones', async () => {
    const broker = await startLocalBroker(await freeLoopbackPort());
    cleanups.push(() => broker.stop());
    const central = await startCentral(broker.url);
    cleanups.push(() => central.client.endAsync());
    const agent = await startTaskAgent({ url: broker.url, nowMs: december, maxHeld: 2 });
    cleanups.push(() => agent.stop());
    for (const id of ['a', 'b', 'c']) await publishSigned(central.client, 'vehicle', { ...minimal, id });
    await publishSigned(central.client, 'vehicle', { ...minimal, id: 'a', revision: 2 });
    await eventually(() => expect(central.acks).toHaveLength(4));
    expect(central.acks.map((a) => [a.taskId, a.status])).toEqual([
      ['a', 'accepted'],
      ['b', 'accepted'],
      ['c', 'rejected'],
      ['a', 'accepted'],
    ]);
    expect(central.acks[2]!.errors[0]!.message).toContain('tasks.maxHeld');
  });
});
