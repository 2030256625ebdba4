// The observation outbox: observations waiting for the broker's PUBACK, in SQLite (WAL) so a power cut or a
// dead zone loses none; a row is removed only once the broker has acknowledged it. It is bounded: a broker away for
// weeks must not fill the disk, so beyond a cap the oldest observations are dropped (the caller audits that).
import path from 'node:path';
import type Database from 'better-sqlite3';
import { openDurableSqlite } from './sqliteFile.ts';

export interface OutboxRow {
  readonly seq: number;
  readonly id: string;
  readonly payload: string;
}

export function outboxDbPath(dataDir: string): string {
  return path.join(dataDir, 'observations.sqlite');
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  created_at_ms INTEGER NOT NULL,
  payload TEXT NOT NULL
);
`;

/** What a trim dropped: how many, and the capture-side time span of them (for the audit record). */
export interface OutboxTrim {
  readonly dropped: number;
  readonly oldestAtMs: number;
  readonly newestAtMs: number;
}

export class SqliteObservationOutbox {
  private db: Database.Database | null = null;
  /** Rows held, kept in step with every change (a COUNT(*) per observation would grow with the backlog). */
  private rows = 0;

  constructor(private readonly options: { readonly dataDir: string; readonly nowMs: () => number }) {}

  async start(): Promise<void> {
    this.db = openDurableSqlite(outboxDbPath(this.options.dataDir), SCHEMA);
    this.rows = (this.db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
  }

  async stop(): Promise<void> {
    this.db?.close();
    this.db = null;
  }

  /** Stores one observation durably; the same id twice is stored once. */
  add(id: string, payload: string): void {
    this.rows += this.requireDb()
      .prepare('INSERT OR IGNORE INTO outbox (id, created_at_ms, payload) VALUES (?, ?, ?)')
      .run(id, this.options.nowMs(), payload).changes;
  }

  /** Drops the oldest rows until at most `maxRows` are left; null when nothing had to go. */
  trimTo(maxRows: number): OutboxTrim | null {
    const excess = this.rows - maxRows;
    if (excess <= 0) return null;
    const db = this.requireDb();
    const trim = db.transaction((): OutboxTrim => {
      const span = db
        .prepare('SELECT COUNT(*) AS n, MIN(created_at_ms) AS oldest, MAX(created_at_ms) AS newest FROM (SELECT created_at_ms FROM outbox ORDER BY seq LIMIT ?)')
        .get(excess) as { n: number; oldest: number; newest: number };
      db.prepare('DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT ?)').run(excess);
      return { dropped: span.n, oldestAtMs: span.oldest, newestAtMs: span.newest };
    })();
    this.rows -= trim.dropped;
    return trim;
  }

  /** The oldest waiting observations, at most `limit`, skipping the ids in `except` (already in flight). */
  oldest(limit: number, except: ReadonlySet<string>): OutboxRow[] {
    const out: OutboxRow[] = [];
    // Iterated, never loaded whole: a vehicle back from days offline may hold many.
    const rows = this.requireDb().prepare('SELECT seq, id, payload FROM outbox ORDER BY seq').iterate() as Iterable<OutboxRow>;
    for (const row of rows) {
      if (except.has(row.id)) continue;
      out.push(row);
      if (out.length >= limit) break;
    }
    return out;
  }

  remove(id: string): void {
    this.rows -= this.requireDb().prepare('DELETE FROM outbox WHERE id = ?').run(id).changes;
  }

  count(): number {
    this.requireDb();
    return this.rows;
  }

  private requireDb(): Database.Database {
    if (this.db === null) throw new Error('observation outbox is not started');
    return this.db;
  }
}
