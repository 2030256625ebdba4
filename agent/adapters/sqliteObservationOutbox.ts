// The observation outbox: observations waiting for the broker's PUBACK, in SQLite (WAL) so a power cut or a
// dead zone loses none; a row is removed only once the broker has acknowledged it.
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

export class SqliteObservationOutbox {
  private db: Database.Database | null = null;

  constructor(private readonly options: { readonly dataDir: string; readonly nowMs: () => number }) {}

  async start(): Promise<void> {
    this.db = openDurableSqlite(outboxDbPath(this.options.dataDir), SCHEMA);
  }

  async stop(): Promise<void> {
    this.db?.close();
    this.db = null;
  }

  /** Stores one observation durably; the same id twice is stored once. */
  add(id: string, payload: string): void {
    this.requireDb()
      .prepare('INSERT OR IGNORE INTO outbox (id, created_at_ms, payload) VALUES (?, ?, ?)')
      .run(id, this.options.nowMs(), payload);
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
    this.requireDb().prepare('DELETE FROM outbox WHERE id = ?').run(id);
  }

  count(): number {
    return (this.requireDb().prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
  }

  private requireDb(): Database.Database {
    if (this.db === null) throw new Error('observation outbox is not started');
    return this.db;
  }
}
