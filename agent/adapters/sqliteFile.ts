// Opens one of the agent's SQLite files the same way everywhere: folder 0700, WAL, synchronous FULL, schema applied.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** Opens (creating where missing) the database at `file` and applies `schema` (CREATE … IF NOT EXISTS statements). */
export function openDurableSqlite(file: string, schema: string): Database.Database {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  // WAL survives a power cut with the last committed transaction; FULL syncs each commit before it returns.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(schema);
  return db;
}
