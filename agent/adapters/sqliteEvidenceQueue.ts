// Evidence queue on SQLite (WAL) plus one encrypted redacted JPEG per item under dataDir/evidence; every change
// to the queue is written to the audit trail in the same transaction.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { EvidenceMeta } from '../core/evidence/evidence.ts';
import { DAY_MS, expiresAtMs, type DeletionReason, type StoredItem } from '../core/evidence/retention.ts';
import { RetentionCaps } from '../core/evidence/retentionCaps.ts';
import type { AuditLedger, AuditTrail } from '../ports/auditTrail.ts';
import type { EvidenceQueue, QueueCounts, QueuedEvidence } from '../ports/evidenceQueue.ts';
import { loadOrCreateDeviceKey } from './deviceKey.ts';
import { EvidenceCipher } from './evidenceCipher.ts';
import { AUDIT_SCHEMA, SqliteAuditTrail } from './sqliteAuditTrail.ts';
import { migrateQueueSchema, QUEUE_SCHEMA } from './queueSchema.ts';
import { openDurableSqlite } from './sqliteFile.ts';

export interface SqliteEvidenceQueueOptions {
  /** Folder that holds queue.sqlite and evidence/. */
  readonly dataDir: string;
  /** The AES-256 device key; created 0600 when missing. Default: dataDir/device.key. */
  readonly keyFile?: string;
  readonly nowMs: () => number;
  /** Called after each item is queued (the retention sweeper checks the quota at once rather than at its next sweep). */
  readonly onAdded?: () => void;
}

/** Encrypted evidence files end in this; anything else in the folder is debris and gets deleted. */
const FILE_SUFFIX = '.evd';

interface Row {
  id: string;
  meta: string;
  priority: number;
  attempts: number;
  created_at_ms: number;
}

export function queueDbPath(dataDir: string): string {
  return path.join(dataDir, 'queue.sqlite');
}

export class SqliteEvidenceQueue implements EvidenceQueue {
  private db: Database.Database | null = null;
  private readonly retentionCaps = new RetentionCaps();
  private trail: SqliteAuditTrail | null = null;
  private cipher: EvidenceCipher | null = null;
  private readonly filesDir: string;

  constructor(
    private readonly options: SqliteEvidenceQueueOptions,
    private readonly logger: Logger,
  ) {
    this.filesDir = path.join(options.dataDir, 'evidence');
  }

  /** The audit trail kept in the same database (available once started). */
  get audit(): AuditTrail {
    if (this.trail === null) throw new Error('evidence queue is not started');
    return this.trail;
  }

  /** The same trail for its head, shipping and pruning (available once started). */
  get auditLedger(): AuditLedger {
    if (this.trail === null) throw new Error('evidence queue is not started');
    return this.trail;
  }

  async start(): Promise<void> {
    mkdirSync(this.filesDir, { recursive: true, mode: 0o700 });
    this.cipher = new EvidenceCipher(loadOrCreateDeviceKey(this.options.keyFile ?? path.join(this.options.dataDir, 'device.key')));
    const db = openDurableSqlite(queueDbPath(this.options.dataDir), QUEUE_SCHEMA);
    migrateQueueSchema(db);
    db.exec(AUDIT_SCHEMA);
    this.db = db;
    this.trail = new SqliteAuditTrail(db, this.options.nowMs);
    await this.reconcile();
  }

  async stop(): Promise<void> {
    this.db?.close();
    this.db = null;
    this.trail = null;
  }

  async add(taken: EvidenceMeta, jpeg: Buffer, priority: number): Promise<void> {
    const db = this.requireDb();
    let meta = taken;
    const sealed = this.requireCipher().seal(meta.id, jpeg);
    const finalPath = this.fileOf(meta.id);
    const tmpPath = `${finalPath}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await open(tmpPath, 'wx', 0o600);
    try {
      await handle.writeFile(sealed);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmpPath, finalPath);
    await fsyncDir(this.filesDir);
    const createdAtMs = this.options.nowMs();
    db.transaction(() => {
      // In the same transaction as the row: a revision that shortened the task's retention after this frame was taken
      // applies to it, as to the evidence already queued.
      const retentionDays = this.retentionCaps.retentionDaysFor(taken.taskId, taken.revision, taken.retentionDays);
      if (retentionDays !== taken.retentionDays) meta = { ...taken, retentionDays };
      db.prepare(
        `INSERT INTO evidence (id, task_id, revision, priority, created_at_ms, bytes, meta, retention_days)
         VALUES (@id, @taskId, @revision, @priority, @createdAtMs, @bytes, @meta, @retentionDays)`,
      ).run({
        id: meta.id,
        taskId: meta.taskId,
        revision: meta.revision,
        priority,
        createdAtMs,
        bytes: sealed.length,
        meta: JSON.stringify(meta),
        retentionDays: meta.retentionDays,
      });
      this.audit.record({
        kind: 'captured',
        taskId: meta.taskId,
        evidenceId: meta.id,
        detail: { revision: meta.revision, sha256: meta.sha256, bytes: jpeg.length, faces: meta.faces, plates: meta.plates, retentionDays: meta.retentionDays },
      });
    })();
    this.options.onAdded?.();
  }

  nextDue(nowMs: number, exceptIds: ReadonlySet<string> = new Set()): QueuedEvidence | null {
    const row = this.requireDb()
      .prepare(
        `SELECT id, meta, priority, attempts, created_at_ms FROM evidence
         WHERE parked = 0 AND retry_at_ms <= @nowMs AND created_at_ms + retention_days * ${DAY_MS} > @nowMs
           AND id NOT IN (SELECT value FROM json_each(@except))
         ORDER BY priority DESC, created_at_ms ASC LIMIT 1`,
      )
      .get({ nowMs, except: JSON.stringify([...exceptIds]) }) as Row | undefined;
    if (row === undefined) return null;
    return {
      id: row.id,
      meta: JSON.parse(row.meta) as EvidenceMeta,
      priority: row.priority,
      attempts: row.attempts,
      createdAtMs: row.created_at_ms,
    };
  }

  expiresAtMs(id: string): number | null {
    const row = this.requireDb().prepare('SELECT created_at_ms, retention_days FROM evidence WHERE id = ?').get(id) as
      | { created_at_ms: number; retention_days: number }
      | undefined;
    return row === undefined ? null : expiresAtMs({ createdAtMs: row.created_at_ms, retentionDays: row.retention_days });
  }

  async readJpeg(id: string): Promise<Buffer> {
    return this.requireCipher().open(id, await readFile(this.fileOf(id)));
  }

  async remove(id: string, reason: DeletionReason): Promise<void> {
    const db = this.requireDb();
    // Row and audit record first, in one transaction; a crash before the unlink leaves a file without a row,
    // which the next start deletes.
    db.transaction(() => {
      const row = db.prepare('SELECT task_id, bytes FROM evidence WHERE id = ?').get(id) as { task_id: string; bytes: number } | undefined;
      if (row === undefined) return;
      db.prepare('DELETE FROM evidence WHERE id = ?').run(id);
      this.audit.record({ kind: reason === 'uploaded' ? 'uploaded' : 'deleted', taskId: row.task_id, evidenceId: id, detail: { reason, bytes: row.bytes } });
    })();
    await unlink(this.fileOf(id)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  deferred(id: string, error: string, retryAtMs: number): void {
    this.requireDb()
      .prepare('UPDATE evidence SET attempts = attempts + 1, retry_at_ms = ?, last_error = ? WHERE id = ?')
      .run(retryAtMs, error, id);
  }

  park(id: string, error: string): void {
    const db = this.requireDb();
    db.transaction(() => {
      const changed = db.prepare('UPDATE evidence SET attempts = attempts + 1, parked = 1, last_error = ? WHERE id = ?').run(error, id);
      if (changed.changes === 0) return;
      const row = db.prepare('SELECT task_id FROM evidence WHERE id = ?').get(id) as { task_id: string };
      this.audit.record({ kind: 'upload-parked', taskId: row.task_id, evidenceId: id, detail: { error } });
    })();
  }

  /**
   * A new revision of a task may shorten how long its evidence may be kept; evidence it already holds then gets the
   * shorter of the two (never a longer one: it was taken under the promise of the revision in force). The metadata
   * uploaded with it says so too. Audited when it changed anything; returns the number of items changed.
   */
  capRetention(taskId: string, revision: number, retentionDays: number): number {
    const db = this.requireDb();
    return db.transaction(() => {
      this.retentionCaps.record(taskId, revision, retentionDays);
      const changed = db
        .prepare(
          `UPDATE evidence SET retention_days = @days, meta = json_set(meta, '$.retentionDays', @days)
           WHERE task_id = @taskId AND retention_days > @days`,
        )
        .run({ taskId, days: retentionDays }).changes;
      if (changed > 0) this.audit.record({ kind: 'retention-shortened', taskId, detail: { revision, retentionDays, items: changed } });
      return changed;
    })();
  }

  *storedItems(): Generator<StoredItem> {
    const rows = this.requireDb()
      .prepare(
        `SELECT id, task_id, priority, created_at_ms, retention_days, bytes FROM evidence
         ORDER BY priority ASC, created_at_ms ASC, id ASC`,
      )
      .iterate() as Iterable<{ id: string; task_id: string; priority: number; created_at_ms: number; retention_days: number; bytes: number }>;
    for (const r of rows) {
      yield { id: r.id, taskId: r.task_id, priority: r.priority, createdAtMs: r.created_at_ms, retentionDays: r.retention_days, bytes: r.bytes };
    }
  }

  counts(): QueueCounts {
    const row = this.requireDb()
      .prepare('SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b, COALESCE(SUM(parked), 0) AS p FROM evidence')
      .get() as { n: number; b: number; p: number };
    return { pending: row.n, bytes: row.b, parked: row.p };
  }

  /** After a crash: files without a row (or half-written) are deleted; rows without a file are audited as lost. */
  private async reconcile(): Promise<void> {
    const db = this.requireDb();
    const ids = new Set((db.prepare('SELECT id FROM evidence').all() as { id: string }[]).map((r) => r.id));
    const onDisk = new Set<string>();
    for (const name of await readdir(this.filesDir)) {
      const id = name.endsWith(FILE_SUFFIX) ? name.slice(0, -FILE_SUFFIX.length) : null;
      if (id !== null && ids.has(id)) {
        onDisk.add(id);
        continue;
      }
      await unlink(path.join(this.filesDir, name));
      this.logger.warn({ file: name }, 'deleted evidence file without a queue row');
    }
    for (const id of ids) {
      if (onDisk.has(id)) continue;
      db.transaction(() => {
        const row = db.prepare('SELECT task_id FROM evidence WHERE id = ?').get(id) as { task_id: string };
        db.prepare('DELETE FROM evidence WHERE id = ?').run(id);
        this.audit.record({ kind: 'lost', taskId: row.task_id, evidenceId: id, detail: { reason: 'file missing at start' } });
      })();
      this.logger.error({ evidenceId: id }, 'evidence row without its file: lost');
    }
  }

  private fileOf(id: string): string {
    if (!/^[A-Za-z0-9-]+$/.test(id)) throw new Error(`invalid evidence id ${JSON.stringify(id)}`);
    return path.join(this.filesDir, `${id}${FILE_SUFFIX}`);
  }

  private requireDb(): Database.Database {
    if (this.db === null) throw new Error('evidence queue is not started');
    return this.db;
  }

  private requireCipher(): EvidenceCipher {
    if (this.cipher === null) throw new Error('evidence queue is not started');
    return this.cipher;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
