import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { queueDbPath, SqliteEvidenceQueue } from '../../agent/adapters/sqliteEvidenceQueue.ts';
import { readAuditRecords } from '../../agent/adapters/sqliteAuditTrail.ts';
import { verifyChain } from '../../agent/core/evidence/auditChain.ts';
import { DAY_MS } from '../../agent/core/evidence/retention.ts';
import { sampleMeta } from '../support/evidence.ts';
import { testLogger } from '../support/logger.ts';

const open: SqliteEvidenceQueue[] = [];
afterEach(async () => {
  for (const q of open.splice(0)) await q.stop();
});

async function queueIn(dataDir: string, now = { ms: 1_000 }, keyFile?: string): Promise<SqliteEvidenceQueue> {
  const queue = new SqliteEvidenceQueue({ dataDir, nowMs: () => now.ms, ...(keyFile ? { keyFile } : {}) }, testLogger);
  await queue.start();
  open.push(queue);
  return queue;
}

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'tilsyn-queue-'));

function auditOf(dir: string) {
  const db = new Database(queueDbPath(dir), { readonly: true });
  try {
    const records = [...readAuditRecords(db)];
    return { records, verdict: verifyChain(records) };
  } finally {
    db.close();
  }
}

/** A small real JPEG, so the test can tell whether what is on disk still decodes as an image. */
const jpegOf = (seed: number) =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: { r: seed % 255, g: 80, b: 160 } } }).jpeg().toBuffer();

describe('SqliteEvidenceQueue', () => {
  it('keeps items across a restart and hands them out by priority, then age', async () => {
    const dir = tempDir();
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
    expect(second.counts()).toMatchObject({ pending: 3, parked: 0 });
    expect(second.nextDue(now.ms)?.id).toBe(high.id);
    await second.remove(high.id, 'uploaded');
    expect(second.nextDue(now.ms)?.id).toBe(older.id);
    expect((await second.readJpeg(older.id)).toString()).toBe('old');
  });

  it('stores evidence encrypted: no file under dataDir decodes as an image, yet the queue reads the JPEG back', async () => {
    const dir = tempDir();
    const queue = await queueIn(dir);
    const jpegs = new Map<string, Buffer>();
    for (let i = 0; i < 3; i++) {
      const meta = sampleMeta();
      const jpeg = await jpegOf(i * 70);
      jpegs.set(meta.id, jpeg);
      await queue.add(meta, jpeg, 5);
    }
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      const bytes = readFileSync(path.join(f.parentPath, f.name));
      await expect(sharp(bytes).metadata(), f.name).rejects.toThrow();
      expect(bytes.includes(Buffer.from([0xff, 0xd8, 0xff])), `${f.name} holds a JPEG start marker`).toBe(false);
    }
    for (const [id, jpeg] of jpegs) expect((await queue.readJpeg(id)).equals(jpeg)).toBe(true);
    expect(statSync(path.join(dir, 'device.key')).mode & 0o777).toBe(0o600);
  });

  it('cannot read evidence back under another device key, and says so', async () => {
    const dir = tempDir();
    const first = await queueIn(dir, { ms: 1 }, path.join(dir, 'key-a'));
    const meta = sampleMeta();
    await first.add(meta, Buffer.from('secret'), 5);
    await first.stop();
    open.length = 0;
    const second = await queueIn(dir, { ms: 1 }, path.join(dir, 'key-b'));
    await expect(second.readJpeg(meta.id)).rejects.toThrow(/another device key/);
  });

  it('does not hand out a deferred item before its retry time, nor a parked one ever', async () => {
    const queue = await queueIn(tempDir());
    const meta = sampleMeta();
    const refused = sampleMeta();
    await queue.add(meta, Buffer.from('x'), 5);
    await queue.add(refused, Buffer.from('y'), 9);
    queue.park(refused.id, 'HTTP 403');
    queue.deferred(meta.id, 'HTTP 503', 5_000);
    expect(queue.nextDue(4_999)).toBeNull();
    expect(queue.nextDue(5_000)).toMatchObject({ id: meta.id, attempts: 1 });
    expect(queue.counts()).toMatchObject({ pending: 2, parked: 1 });
  });

  it('removes the file with the row', async () => {
    const dir = tempDir();
    const queue = await queueIn(dir);
    const meta = sampleMeta();
    await queue.add(meta, Buffer.from('x'), 5);
    expect(readdirSync(path.join(dir, 'evidence'))).toHaveLength(1);
    await queue.remove(meta.id, 'retention-expired');
    expect(readdirSync(path.join(dir, 'evidence'))).toEqual([]);
  });

  it('streams stored items lowest priority, then oldest first', async () => {
    const now = { ms: 1_000 };
    const queue = await queueIn(tempDir(), now);
    const a = sampleMeta();
    const b = sampleMeta();
    const c = sampleMeta({ retentionDays: 2 });
    await queue.add(a, Buffer.from('a'), 5);
    now.ms = 2_000;
    await queue.add(b, Buffer.from('b'), 1);
    await queue.add(c, Buffer.from('c'), 5);
    expect([...queue.storedItems()].map((i) => [i.id, i.priority, i.createdAtMs, i.retentionDays])).toEqual([
      [b.id, 1, 2_000, 30],
      [a.id, 5, 1_000, 30],
      [c.id, 5, 2_000, 2],
    ]);
  });

  it('writes captures, uploads, parking, deletions and losses to an append-only, hash-chained audit trail', async () => {
    const dir = tempDir();
    const first = await queueIn(dir);
    const [up, gone, parked, lost] = [sampleMeta(), sampleMeta(), sampleMeta(), sampleMeta()];
    for (const m of [up, gone, parked, lost]) await first.add(m, Buffer.from('x'), 5);
    await first.remove(up.id, 'uploaded');
    await first.remove(gone.id, 'quota-max-bytes');
    first.park(parked.id, 'HTTP 422');
    await first.stop();
    open.length = 0;
    unlinkSync(path.join(dir, 'evidence', `${lost.id}.evd`));
    await queueIn(dir);

    const { records, verdict } = auditOf(dir);
    expect(verdict.ok).toBe(true);
    expect(records.map((r) => [r.kind, r.evidenceId])).toEqual([
      ['captured', up.id],
      ['captured', gone.id],
      ['captured', parked.id],
      ['captured', lost.id],
      ['uploaded', up.id],
      ['deleted', gone.id],
      ['upload-parked', parked.id],
      ['lost', lost.id],
    ]);
    expect(JSON.parse(records[5]!.detail)).toMatchObject({ reason: 'quota-max-bytes' });
    expect(JSON.parse(records[0]!.detail)).toMatchObject({ sha256: up.sha256 });

    const db = new Database(queueDbPath(dir));
    try {
      expect(() => db.prepare("UPDATE audit SET kind = 'x' WHERE seq = 1").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit WHERE seq = 1').run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });

  it('on start deletes files without a row and drops rows without a file', async () => {
    const dir = tempDir();
    const first = await queueIn(dir);
    const kept = sampleMeta();
    const lost = sampleMeta();
    await first.add(kept, Buffer.from('k'), 5);
    await first.add(lost, Buffer.from('l'), 5);
    await first.stop();
    open.length = 0;
    const files = path.join(dir, 'evidence');
    writeFileSync(path.join(files, 'half-written.evd.1234.tmp'), 'x');
    writeFileSync(path.join(files, 'no-row.evd'), 'x');
    unlinkSync(path.join(files, `${lost.id}.evd`));

    const second = await queueIn(dir);
    expect(readdirSync(files)).toEqual([`${kept.id}.evd`]);
    expect(second.counts().pending).toBe(1);
    expect(existsSync(path.join(files, 'no-row.evd'))).toBe(false);
  });

  it('never hands out an item whose retention ran out, even before the sweeper deletes it', async () => {
    const now = { ms: 1_000 };
    const queue = await queueIn(tempDir(), now);
    const meta = sampleMeta({ retentionDays: 1 });
    await queue.add(meta, Buffer.from('jpeg'), 5);
    now.ms += DAY_MS - 1;
    expect(queue.nextDue(now.ms)?.id).toBe(meta.id);
    now.ms += 1;
    expect(queue.nextDue(now.ms)).toBeNull();
  });

  it('lets a new revision shorten the retention of queued evidence of its task, never lengthen it, and audits the change', async () => {
    const dir = tempDir();
    const queue = await queueIn(dir);
    const old = sampleMeta({ taskId: 'permit-4711', revision: 1, retentionDays: 30 });
    const other = sampleMeta({ taskId: 'bins-12', retentionDays: 30 });
    await queue.add(old, Buffer.from('a'), 5);
    await queue.add(other, Buffer.from('b'), 5);

    expect(queue.capRetention('permit-4711', 2, 7)).toBe(1);
    expect(queue.capRetention('permit-4711', 3, 90)).toBe(0);
    const days = new Map([...queue.storedItems()].map((i) => [i.id, i.retentionDays]));
    expect(days).toEqual(new Map([[old.id, 7], [other.id, 30]]));
    // The metadata uploaded with it says how long it may be kept now.
    expect(queue.nextDue(2_000, new Set([other.id]))?.meta.retentionDays).toBe(7);
    const { records, verdict } = auditOf(dir);
    expect(verdict.ok).toBe(true);
    const shortened = records.filter((r) => r.kind === 'retention-shortened');
    expect(shortened.map((r) => [r.taskId, JSON.parse(r.detail)])).toEqual([['permit-4711', { revision: 2, retentionDays: 7, items: 1 }]]);
  });

  it('gives evidence of an older revision that arrives after a shortening the shorter retention too, in its row, metadata and audit', async () => {
    const dir = tempDir();
    const queue = await queueIn(dir);
    queue.capRetention('permit-4711', 2, 7);
    queue.capRetention('permit-4711', 3, 90);
    // Frames taken under revisions 1 and 2 before the new revisions arrived, queued after them; and one of revision 3.
    const late1 = sampleMeta({ taskId: 'permit-4711', revision: 1, retentionDays: 30 });
    const late2 = sampleMeta({ taskId: 'permit-4711', revision: 2, retentionDays: 7 });
    const current = sampleMeta({ taskId: 'permit-4711', revision: 3, retentionDays: 90 });
    const otherTask = sampleMeta({ taskId: 'bins-12', revision: 1, retentionDays: 30 });
    for (const m of [late1, late2, current, otherTask]) await queue.add(m, Buffer.from(m.id), 5);

    const days = new Map([...queue.storedItems()].map((i) => [i.id, i.retentionDays]));
    expect(days).toEqual(new Map([[late1.id, 7], [late2.id, 7], [current.id, 90], [otherTask.id, 30]]));
    expect(queue.nextDue(2_000, new Set([late2.id, current.id, otherTask.id]))?.meta.retentionDays).toBe(7);
    const captured = auditOf(dir).records.filter((r) => r.kind === 'captured' && r.evidenceId === late1.id);
    expect(JSON.parse(captured[0]!.detail)).toMatchObject({ revision: 1, retentionDays: 7 });
  });
});
