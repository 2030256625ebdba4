// Accepted tasks in SQLite (dataDir/tasks.sqlite), so after a reboot without network the agent works on what it has.
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { StoredTask, TaskStore } from '../ports/taskStore.ts';
import { openDurableSqlite } from './sqliteFile.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY,
  revision INTEGER NOT NULL,
  payload BLOB NOT NULL,
  accepted_at_ms INTEGER NOT NULL
);
`;

interface Row {
  id: string;
  revision: number;
  payload: Buffer;
  accepted_at_ms: number;
}

export class SqliteTaskStore implements TaskStore {
  private db: Database.Database | null = null;

  constructor(private readonly options: { readonly dataDir: string }) {}

  async start(): Promise<void> {
    this.db = openDurableSqlite(path.join(this.options.dataDir, 'tasks.sqlite'), SCHEMA);
  }

  async stop(): Promise<void> {
    this.db?.close();
    this.db = null;
  }

  load(): StoredTask[] {
    const rows = this.requireDb().prepare('SELECT id, revision, payload, accepted_at_ms FROM tasks ORDER BY id').all() as Row[];
    return rows.map((r) => ({ id: r.id, revision: r.revision, payload: r.payload, acceptedAtMs: r.accepted_at_ms }));
  }

  save(task: StoredTask): void {
    this.requireDb()
      .prepare(
        `INSERT INTO tasks (id, revision, payload, accepted_at_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, payload = excluded.payload, accepted_at_ms = excluded.accepted_at_ms`,
      )
      .run(task.id, task.revision, task.payload, task.acceptedAtMs);
  }

  remove(taskId: string): void {
    this.requireDb().prepare('DELETE FROM tasks WHERE id = ?').run(taskId);
  }

  private requireDb(): Database.Database {
    if (this.db === null) throw new Error('task store is not started');
    return this.db;
  }
}
