// The last manifest taken per scope in SQLite (dataDir/manifests.sqlite), so a restart knows what it should hold.
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { ManifestStore, StoredManifest } from '../ports/manifestStore.ts';
import { openDurableSqlite } from './sqliteFile.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS manifests (
  scope TEXT PRIMARY KEY,
  revision INTEGER NOT NULL,
  payload BLOB NOT NULL
);
`;

interface Row {
  scope: string;
  revision: number;
  payload: Buffer;
}

export class SqliteManifestStore implements ManifestStore {
  private db: Database.Database | null = null;

  constructor(private readonly options: { readonly dataDir: string }) {}

  async start(): Promise<void> {
    this.db = openDurableSqlite(path.join(this.options.dataDir, 'manifests.sqlite'), SCHEMA);
  }

  async stop(): Promise<void> {
    this.db?.close();
    this.db = null;
  }

  load(): StoredManifest[] {
    const rows = this.requireDb().prepare('SELECT scope, revision, payload FROM manifests').all() as Row[];
    return rows
      .filter((r): r is Row & { scope: 'vehicle' | 'fleet' } => r.scope === 'vehicle' || r.scope === 'fleet')
      .map((r) => ({ scope: r.scope, revision: r.revision, payload: r.payload }));
  }

  save(manifest: StoredManifest): void {
    this.requireDb()
      .prepare(
        `INSERT INTO manifests (scope, revision, payload) VALUES (?, ?, ?)
         ON CONFLICT (scope) DO UPDATE SET revision = excluded.revision, payload = excluded.payload`,
      )
      .run(manifest.scope, manifest.revision, manifest.payload);
  }

  private requireDb(): Database.Database {
    if (this.db === null) throw new Error('manifest store is not started');
    return this.db;
  }
}
