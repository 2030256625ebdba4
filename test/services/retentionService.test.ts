import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { readAuditRecords } from '../../agent/adapters/sqliteAuditTrail.ts';
import { queueDbPath, SqliteEvidenceQueue } from '../../agent/adapters/sqliteEvidenceQueue.ts';
import { DAY_MS } from '../../agent/core/evidence/retention.ts';
import { freeBytesOf, RetentionService } from '../../agent/services/retentionService.ts';
import { sampleMeta } from '../support/evidence.ts';
import { testLogger } from '../support/logger.ts';

const started: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of started.splice(0).reverse()) await s.stop();
});

async function setup(limits: { maxBytes: number; minFreeBytes: number }, freeBytes: () => number) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tilsyn-retention-'));
  const clock = { ms: Date.UTC(2026, 0, 1), nowMs: () => clock.ms };
  const queue = new SqliteEvidenceQueue({ dataDir, nowMs: clock.nowMs }, testLogger);
  await queue.start();
  started.push(queue);
  const service = new RetentionService({ dataDir, sweepEveryMs: 3_600_000, ...limits }, queue, clock, testLogger, async () => freeBytes());
  return { dataDir, clock, queue, service };
}

const deletionsIn = (dataDir: string) => {
  const db = new Database(queueDbPath(dataDir), { readonly: true });
  try {
    return [...readAuditRecords(db)].filter((r) => r.kind === 'deleted').map((r) => [r.evidenceId, JSON.parse(r.detail).reason]);
  } finally {
    db.close();
  }
};

describe('RetentionService', () => {
  it('deletes never-uploaded evidence when its task retention runs out, with an audit record, and not a day before', async () => {
    const { dataDir, clock, queue, service } = await setup({ maxBytes: 1e12, minFreeBytes: 0 }, () => 1e12);
    const short = sampleMeta({ retentionDays: 1 });
    const long = sampleMeta({ retentionDays: 7 });
    await queue.add(short, Buffer.alloc(1_000), 5);
    await queue.add(long, Buffer.alloc(1_000), 5);
    await service.start();
    started.push(service);

    clock.ms += DAY_MS - 1;
    await service.sweep();
    expect(queue.counts().pending).toBe(2);
    clock.ms += 1;
    await service.sweep();
    expect([...queue.storedItems()].map((i) => i.id)).toEqual([long.id]);
    expect(readdirSync(path.join(dataDir, 'evidence'))).toEqual([`${long.id}.evd`]);
    expect(deletionsIn(dataDir)).toEqual([[short.id, 'retention-expired']]);
  });

  it('keeps the queue within maxBytes, taking the lowest priority and oldest first', async () => {
    const { dataDir, clock, queue, service } = await setup({ maxBytes: 25_000, minFreeBytes: 0 }, () => 1e12);
    const metas = [sampleMeta(), sampleMeta(), sampleMeta(), sampleMeta()];
    const priorities = [1, 9, 1, 5];
    for (const [i, m] of metas.entries()) {
      clock.ms += 1_000;
      await queue.add(m, Buffer.alloc(10_000), priorities[i]!);
    }
    await service.sweep();
    expect(deletionsIn(dataDir)).toEqual([
      [metas[0]!.id, 'quota-max-bytes'],
      [metas[2]!.id, 'quota-max-bytes'],
    ]);
    expect(queue.counts().bytes).toBeLessThanOrEqual(25_000);
  });

  it('frees disk space down to minFreeBytes, and a sweep on a full disk it cannot free does not throw', async () => {
    let free = 5_000;
    const { queue, service } = await setup({ maxBytes: 1e12, minFreeBytes: 12_000 }, () => free);
    for (let i = 0; i < 3; i++) await queue.add(sampleMeta(), Buffer.alloc(5_000), 5);
    await service.sweep();
    expect(queue.counts().pending).toBe(1);
    free = 0;
    await expect(service.sweep()).resolves.toHaveLength(1);
    expect(queue.counts().pending).toBe(0);
    await expect(service.sweep()).resolves.toEqual([]);
  });

  it('reads the free space of a real file system', async () => {
    expect(await freeBytesOf(tmpdir())).toBeGreaterThan(0);
  });

  it('leaves an item alone while it is being uploaded, and takes the next one in its place', async () => {
    const uploading = new Set<string>();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tilsyn-retention-'));
    const clock = { ms: Date.UTC(2026, 0, 1), nowMs: () => clock.ms };
    const queue = new SqliteEvidenceQueue({ dataDir, nowMs: clock.nowMs }, testLogger);
    await queue.start();
    started.push(queue);
    const service = new RetentionService({ dataDir, sweepEveryMs: 3_600_000, maxBytes: 25_000, minFreeBytes: 0, busy: () => uploading }, queue, clock, testLogger, async () => 1e12);
    const metas = [sampleMeta(), sampleMeta(), sampleMeta()];
    for (const m of metas) {
      clock.ms += 1_000;
      await queue.add(m, Buffer.alloc(10_000), 5);
    }
    uploading.add(metas[0]!.id);
    await service.sweep();
    expect(deletionsIn(dataDir)).toEqual([[metas[1]!.id, 'quota-max-bytes']]);
  });

  it('checks the quota as soon as new evidence is queued, not only at the next sweep', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tilsyn-retention-'));
    const clock = { ms: Date.UTC(2026, 0, 1), nowMs: () => clock.ms };
    let service: RetentionService | null = null;
    const queue = new SqliteEvidenceQueue({ dataDir, nowMs: clock.nowMs, onAdded: () => service?.poke() }, testLogger);
    await queue.start();
    started.push(queue);
    service = new RetentionService({ dataDir, sweepEveryMs: 3_600_000, maxBytes: 25_000, minFreeBytes: 0 }, queue, clock, testLogger, async () => 1e12);
    await service.start();
    started.push(service);
    const metas = [sampleMeta(), sampleMeta(), sampleMeta()];
    for (const m of metas) {
      clock.ms += 1_000;
      await queue.add(m, Buffer.alloc(10_000), 5);
    }
    for (let i = 0; i < 100 && queue.counts().pending > 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(deletionsIn(dataDir)).toEqual([[metas[0]!.id, 'quota-max-bytes']]);
  });

  it('deletes evidence of an old revision once the shorter retention of the new revision has run out', async () => {
    const { dataDir, clock, queue, service } = await setup({ maxBytes: 1e12, minFreeBytes: 0 }, () => 1e12);
    const old = sampleMeta({ taskId: 'permit-4711', revision: 1, retentionDays: 30 });
    await queue.add(old, Buffer.alloc(1_000), 5);
    clock.ms += 2 * DAY_MS;
    // Revision 2 keeps evidence 1 day: the old item is past that already.
    queue.capRetention('permit-4711', 2, 1);
    await service.sweep();
    expect(queue.counts().pending).toBe(0);
    expect(deletionsIn(dataDir)).toEqual([[old.id, 'retention-expired']]);
  });
});
