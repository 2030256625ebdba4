import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteEvidenceQueue } from '../../agent/adapters/sqliteEvidenceQueue.ts';
import { sampleMeta } from '../support/evidence.ts';
import { testLogger } from '../support/logger.ts';

const open: SqliteEvidenceQueue[] = [];
afterEach(async () => {
  for (const q of open.splice(0)) await q.stop();
});

async function queueIn(dataDir: string, now = { ms: 1_000 }): Promise<SqliteEvidenceQueue> {
  const queue = new SqliteEvidenceQueue({ dataDir, nowMs: () => now.ms }, testLogger);
  await queue.start();
  open.push(queue);
  return queue;
}

describe('SqliteEvidenceQueue', () => {
  it('keeps items across a restart and hands them out by priority, then age', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-queue-'));
    const now = { ms: 1_000 };
    const first = await queueIn(dir, now);
    const low = sampleMeta({ taskId: 'low' });
    const high = sampleMeta({ taskId: 'high' });
    const older = sampleMeta({ taskId: 'older-low' });
    await first.add(older, Buffer.from('old'), 1);
    now.ms = 2_000;
    await first.add(low, Buffer.from('low'), 1);
    await first.add(high, Buffer.from('high'), 9);
    await first.stop();
    open.length = 0;

    const second = await queueIn(dir, now);
    expect(second.counts()).toEqual({ pending: 3, bytes: 10 });
    expect(second.nextDue(now.ms)?.id).toBe(high.id);
    await second.remove(high.id);
    expect(second.nextDue(now.ms)?.id).toBe(older.id);
    expect((await second.readJpeg(older.id)).toString()).toBe('old');
  });

  it('does not hand out a deferred item before its retry time', async () => {
    const queue = await queueIn(mkdtempSync(path.join(tmpdir(), 'tilsyn-queue-')));
    const meta = sampleMeta();
    await queue.add(meta, Buffer.from('x'), 5);
    queue.deferred(meta.id, 'HTTP 503', 5_000);
    expect(queue.nextDue(4_999)).toBeNull();
    expect(queue.nextDue(5_000)).toMatchObject({ id: meta.id, attempts: 1 });
  });

  it('removes the file with the row', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-queue-'));
    const queue = await queueIn(dir);
    const meta = sampleMeta();
    await queue.add(meta, Buffer.from('x'), 5);
    expect(existsSync(path.join(dir, 'evidence', `${meta.id}.jpg`))).toBe(true);
    await queue.remove(meta.id);
    expect(readdirSync(path.join(dir, 'evidence'))).toEqual([]);
  });

  it('on start deletes files without a row and drops rows without a file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-queue-'));
    const first = await queueIn(dir);
    const kept = sampleMeta();
    const lost = sampleMeta();
    await first.add(kept, Buffer.from('k'), 5);
    await first.add(lost, Buffer.from('l'), 5);
    await first.stop();
    open.length = 0;
    const files = path.join(dir, 'evidence');
    writeFileSync(path.join(files, 'half-written.jpg.1234.tmp'), 'x');
    writeFileSync(path.join(files, 'no-row.jpg'), 'x');
    (await import('node:fs')).unlinkSync(path.join(files, `${lost.id}.jpg`));

    const second = await queueIn(dir);
    expect(readdirSync(files)).toEqual([`${kept.id}.jpg`]);
    expect(second.counts().pending).toBe(1);
  });
});
