// Accepted tasks in SQLite (dataDir/tasks.sqlite), so after a reboot without network the agent works on what it has.
// Writes are gathered and committed together at the end of the event-loop turn: one fsync for a burst of thousands of
// tasks instead of one each (6 ms apiece on an SD card or a shared disk); a crash in between loses only what the
// retained topics and the manifest bring again.
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

type Write = { readonly save: StoredTask } | { readonly remove: string };

export class SqliteTaskStore implements TaskStore {
  private db: Database.Database | null = null;
  private pending: Write[] = [];
  private flushScheduled = false;

  constructor(private readonly options: { readonly dataDir: string; readonly onError?: (err: Error) => void }) {}

  async start(): Promise<void> {
    this.db = openDurableSqlite(path.join(this.options.dataDir, 'tasks.sqlite'), SCHEMA);
  }

  async stop(): Promise<void> {
    if (this.db !== null) this.flush();
    this.db?.close();
    this.db = null;
  }

  load(): StoredTask[] {
    this.flush();
    const rows = this.requireDb().prepare('SELECT id, revision, payload, accepted_at_ms FROM tasks ORDER BY id').all() as Row[];
    return rows.map((r) => ({ id: r.id, revision: r.revision, payload: r.payload, acceptedAtMs: r.accepted_at_ms }));
  }

  save(task: StoredTask): void {
    this.requireDb();
    this.enqueue({ save: task });
  }

  remove(taskId: string): void {
    this.requireDb();
    this.enqueue({ remove: taskId });
  }

  /** Commits every write gathered so far in one transaction; a failed commit keeps them for the next try. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0 || this.db === null) return;
    const writes = this.pending;
    this.pending = [];
    const db = this.db;
    const upsert = db.prepare(
      `INSERT INTO tasks (id, revision, payload, accepted_at_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, payload = excluded.payload, accepted_at_ms = excluded.accepted_at_ms`,
    );
    const del = db.prepare('DELETE FROM tasks WHERE id = ?');
    try {
      db.transaction(() => {
        for (const w of writes) {
          if ('save' in w) upsert.run(w.save.id, w.save.revision, w.save.payload, w.save.acceptedAtMs);
          else del.run(w.remove);
        }
      })();
    } catch (err) {
      this.pending = [...writes, ...this.pending];
      this.options.onError?.(err as Error);
    }
  }

  private enqueue(write: Write): void {
    this.pending.push(write);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private requireDb(): Database.Database {
    if (this.db === null) throw new Error('task store is not started');
    return this.db;
  }
}
