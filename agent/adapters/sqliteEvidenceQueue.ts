// Evidence queue on SQLite (WAL) plus one redacted JPEG file per item under dataDir/evidence.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { EvidenceMeta } from '../core/evidence.ts';
import type { EvidenceQueue, QueueCounts, QueuedEvidence } from '../ports/evidenceQueue.ts';

export interface SqliteEvidenceQueueOptions {
  /** Folder that holds queue.sqlite and evidence/. */
  readonly dataDir: string;
  readonly nowMs: () => number;
}

interface Row {
  id: string;
  meta: string;
  priority: number;
  attempts: number;
  created_at_ms: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS evidence (
  id TEXT PRIMARY KEY,
  task_id TEXT NOT NULL,
  revision INTEGER NOT NULL,
  priority INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  meta TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  retry_at_ms INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS evidence_due ON evidence (retry_at_ms, priority DESC, created_at_ms);
`;

export class SqliteEvidenceQueue implements EvidenceQueue {
  private db: Database.Database | null = null;
  private readonly filesDir: string;

  constructor(
    private readonly options: SqliteEvidenceQueueOptions,
    private readonly logger: Logger,
  ) {
    this.filesDir = path.join(options.dataDir, 'evidence');
  }

  async start(): Promise<void> {
    mkdirSync(this.filesDir, { recursive: true, mode: 0o700 });
    const db = new Database(path.join(this.options.dataDir, 'queue.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
    this.db = db;
    await this.reconcile();
  }

  async stop(): Promise<void> {
    this.db?.close();
    this.db = null;
  }

  async add(meta: EvidenceMeta, jpeg: Buffer, priority: number): Promise<void> {
    const finalPath = this.fileOf(meta.id);
    const tmpPath = `${finalPath}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await open(tmpPath, 'wx', 0o600);
    try {
      await handle.writeFile(jpeg);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmpPath, finalPath);
    await fsyncDir(this.filesDir);
    this.requireDb()
      .prepare(
        `INSERT INTO evidence (id, task_id, revision, priority, created_at_ms, bytes, meta)
         VALUES (@id, @taskId, @revision, @priority, @createdAtMs, @bytes, @meta)`,
      )
      .run({
        id: meta.id,
        taskId: meta.taskId,
        revision: meta.revision,
        priority,
        createdAtMs: this.options.nowMs(),
        bytes: jpeg.length,
        meta: JSON.stringify(meta),
      });
  }

  nextDue(nowMs: number): QueuedEvidence | null {
    const row = this.requireDb()
      .prepare(
        `SELECT id, meta, priority, attempts, created_at_ms FROM evidence
         WHERE retry_at_ms <= ? ORDER BY priority DESC, created_at_ms ASC LIMIT 1`,
      )
      .get(nowMs) as Row | undefined;
    if (row === undefined) return null;
    return {
      id: row.id,
      meta: JSON.parse(row.meta) as EvidenceMeta,
      priority: row.priority,
      attempts: row.attempts,
      createdAtMs: row.created_at_ms,
    };
  }

  readJpeg(id: string): Promise<Buffer> {
    return readFile(this.fileOf(id));
  }

  async remove(id: string): Promise<void> {
    this.requireDb().prepare('DELETE FROM evidence WHERE id = ?').run(id);
    await unlink(this.fileOf(id)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  deferred(id: string, error: string, retryAtMs: number): void {
    this.requireDb()
      .prepare('UPDATE evidence SET attempts = attempts + 1, retry_at_ms = ?, last_error = ? WHERE id = ?')
      .run(retryAtMs, error, id);
  }

  counts(): QueueCounts {
    const row = this.requireDb().prepare('SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM evidence').get() as {
      n: number;
      b: number;
    };
    return { pending: row.n, bytes: row.b };
  }

  /** After a crash: files without a row (or half-written) are deleted; rows without a file are reported and dropped. */
  private async reconcile(): Promise<void> {
    const db = this.requireDb();
    const ids = new Set((db.prepare('SELECT id FROM evidence').all() as { id: string }[]).map((r) => r.id));
    const onDisk = new Set<string>();
    for (const name of await readdir(this.filesDir)) {
      const id = name.endsWith('.jpg') ? name.slice(0, -4) : null;
      if (id !== null && ids.has(id)) {
        onDisk.add(id);
        continue;
      }
      await unlink(path.join(this.filesDir, name));
      this.logger.warn({ file: name }, 'deleted evidence file without a queue row');
    }
    for (const id of ids) {
      if (onDisk.has(id)) continue;
      db.prepare('DELETE FROM evidence WHERE id = ?').run(id);
      this.logger.error({ evidenceId: id }, 'evidence row without its file: lost');
    }
  }

  private fileOf(id: string): string {
    if (!/^[A-Za-z0-9-]+$/.test(id)) throw new Error(`invalid evidence id ${JSON.stringify(id)}`);
    return path.join(this.filesDir, `${id}.jpg`);
  }

  private requireDb(): Database.Database {
    if (this.db === null) throw new Error('evidence queue is not started');
    return this.db;
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
