// The evidence table of queue.sqlite, and the column additions that bring an older file up to date.
import type Database from 'better-sqlite3';

export const QUEUE_SCHEMA = `
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
  last_error TEXT,
  retention_days REAL NOT NULL DEFAULT 30,
  parked INTEGER NOT NULL DEFAULT 0
);
`;

// Created after the migration, since they use columns an older file gains only there.
const INDEXES = `
CREATE INDEX IF NOT EXISTS evidence_due2 ON evidence (parked, retry_at_ms, priority DESC, created_at_ms);
CREATE INDEX IF NOT EXISTS evidence_eviction ON evidence (priority, created_at_ms, id);
CREATE INDEX IF NOT EXISTS evidence_task ON evidence (task_id);
`;

const ADDED_COLUMNS: readonly [string, string][] = [
  ['retention_days', 'REAL NOT NULL DEFAULT 30'],
  ['parked', 'INTEGER NOT NULL DEFAULT 0'],
];

/** Adds the columns (and indexes) a queue file from an earlier version lacks (CREATE TABLE IF NOT EXISTS leaves it as it was). */
export function migrateQueueSchema(db: Database.Database): void {
  const have = new Set((db.prepare('PRAGMA table_info(evidence)').all() as { name: string }[]).map((c) => c.name));
  for (const [name, type] of ADDED_COLUMNS) {
    if (!have.has(name)) db.exec(`ALTER TABLE evidence ADD COLUMN ${name} ${type}`);
  }
  db.exec(INDEXES);
}
