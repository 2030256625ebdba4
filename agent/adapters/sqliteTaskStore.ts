// Accepted tasks in SQLite (dataDir/tasks.sqlite), so after a reboot without network the agent works on what it has,
// and the highest revision seen per task id, so no older revision is ever taken again — not after a restart either.
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

export class SqliteTaskStore implements TaskStore {
  private db: Database.Database | null = null;

  constructor(private readonly options: { readonly dataDir: string }) {}

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
    this.db?.close();
    this.db = null;
  }

  load(): StoredTask[] {
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
    const db = this.requireDb();
    db.transaction(() => {
      db.prepare(
        `INSERT INTO tasks (id, revision, payload, accepted_at_ms, audience, area_checked) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, payload = excluded.payload,
           accepted_at_ms = excluded.accepted_at_ms, audience = excluded.audience, area_checked = excluded.area_checked`,
      ).run(task.id, task.revision, task.payload, task.acceptedAtMs, task.audience, task.areaChecked);
      this.raiseRevision(task.id, { revision: task.revision, ended: false });
    })();
  }

  remove(taskId: string): void {
    this.requireDb().prepare('DELETE FROM tasks WHERE id = ?').run(taskId);
  }

  revisions(): Map<string, RevisionSeen> {
    const rows = this.requireDb().prepare('SELECT id, revision, ended FROM revisions').all() as { id: string; revision: number; ended: number }[];
    return new Map(rows.map((r) => [r.id, { revision: r.revision, ended: r.ended !== 0 }]));
  }

  raiseRevision(taskId: string, seen: RevisionSeen): void {
    this.requireDb()
      .prepare(
        `INSERT INTO revisions (id, revision, ended) VALUES (?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET
           ended = CASE WHEN excluded.revision > revision THEN excluded.ended
                        WHEN excluded.revision = revision THEN MAX(ended, excluded.ended) ELSE ended END,
           revision = MAX(revision, excluded.revision)`,
      )
      .run(taskId, seen.revision, seen.ended ? 1 : 0);
  }

  private requireDb(): Database.Database {
    if (this.db === null) throw new Error('task store is not started');
    return this.db;
  }
}
