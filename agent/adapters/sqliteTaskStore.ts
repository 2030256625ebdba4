// Accepted tasks in SQLite (dataDir/tasks.sqlite), so after a reboot without network the agent works on what it has,
// and the highest revision seen per task id, so no older revision is ever taken again — not after a restart either.
// Writes are gathered and committed together at the end of the event-loop turn: one fsync for a burst of thousands of
// tasks instead of one each (6 ms apiece on an SD card or a shared disk); a crash in between loses only what the
// retained topics and the manifest bring again.
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { Audience } from '../core/tasks/scope.ts';
import type { RevisionSeen, StoredTask, TaskStore } from '../ports/taskStore.ts';
import { openDurableSqlite } from './sqliteFile.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY,
  revision INTEGER NOT NULL,
  payload BLOB NOT NULL,
  accepted_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS revisions (
  id TEXT PRIMARY KEY,
  revision INTEGER NOT NULL,
  ended INTEGER NOT NULL DEFAULT 0
);
`;

interface Row {
  id: string;
  revision: number;
  payload: Buffer;
  accepted_at_ms: number;
  audience: string | null;
  area_checked: string | null;
}

type Write = { readonly save: StoredTask } | { readonly remove: string } | { readonly raise: string; readonly seen: RevisionSeen };

export class SqliteTaskStore implements TaskStore {
  private db: Database.Database | null = null;
  private pending: Write[] = [];
  private flushScheduled = false;

  constructor(private readonly options: { readonly dataDir: string; readonly onError?: (err: Error) => void }) {}

  async start(): Promise<void> {
    const db = openDurableSqlite(path.join(this.options.dataDir, 'tasks.sqlite'), SCHEMA);
    const columns = new Set((db.prepare('PRAGMA table_info(tasks)').all() as { name: string }[]).map((c) => c.name));
    db.transaction(() => {
      if (!columns.has('audience')) db.exec('ALTER TABLE tasks ADD COLUMN audience TEXT');
      if (!columns.has('area_checked')) db.exec('ALTER TABLE tasks ADD COLUMN area_checked TEXT');
      // A store from before revisions were kept: the held tasks are the highest revisions seen.
      db.exec('INSERT OR IGNORE INTO revisions (id, revision, ended) SELECT id, revision, 0 FROM tasks');
    })();
    this.db = db;
  }

  async stop(): Promise<void> {
    if (this.db !== null) this.flush();
    this.db?.close();
    this.db = null;
  }

  load(): StoredTask[] {
    this.flush();
    const rows = this.requireDb()
      .prepare('SELECT id, revision, payload, accepted_at_ms, audience, area_checked FROM tasks ORDER BY id')
      .all() as Row[];
    return rows.map((r) => ({
      id: r.id,
      revision: r.revision,
      payload: r.payload,
      acceptedAtMs: r.accepted_at_ms,
      audience: r.audience === 'fleet' || r.audience === 'vehicle' ? r.audience : (null as Audience),
      areaChecked: r.area_checked,
    }));
  }

  save(task: StoredTask): void {
    this.requireDb();
    this.enqueue({ save: task });
    this.enqueue({ raise: task.id, seen: { revision: task.revision, ended: false } });
  }

  remove(taskId: string): void {
    this.requireDb();
    this.enqueue({ remove: taskId });
  }

  revisions(): Map<string, RevisionSeen> {
    this.flush();
    const rows = this.requireDb().prepare('SELECT id, revision, ended FROM revisions').all() as { id: string; revision: number; ended: number }[];
    return new Map(rows.map((r) => [r.id, { revision: r.revision, ended: r.ended !== 0 }]));
  }

  raiseRevision(taskId: string, seen: RevisionSeen): void {
    this.requireDb();
    this.enqueue({ raise: taskId, seen });
  }

  /** Commits every write gathered so far in one transaction; a failed commit keeps them for the next try. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0 || this.db === null) return;
    const writes = this.pending;
    this.pending = [];
    const db = this.db;
    const upsert = db.prepare(
      `INSERT INTO tasks (id, revision, payload, accepted_at_ms, audience, area_checked) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, payload = excluded.payload,
         accepted_at_ms = excluded.accepted_at_ms, audience = excluded.audience, area_checked = excluded.area_checked`,
    );
    const del = db.prepare('DELETE FROM tasks WHERE id = ?');
    // Only ever up: a higher revision replaces the row; the same one may only become ended; a lower one changes nothing.
    const raise = db.prepare(
      `INSERT INTO revisions (id, revision, ended) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET
         ended = CASE WHEN excluded.revision > revision THEN excluded.ended
                      WHEN excluded.revision = revision THEN MAX(ended, excluded.ended) ELSE ended END,
         revision = MAX(revision, excluded.revision)`,
    );
    try {
      db.transaction(() => {
        for (const w of writes) {
          if ('save' in w) upsert.run(w.save.id, w.save.revision, w.save.payload, w.save.acceptedAtMs, w.save.audience, w.save.areaChecked);
          else if ('remove' in w) del.run(w.remove);
          else raise.run(w.raise, w.seen.revision, w.seen.ended ? 1 : 0);
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
