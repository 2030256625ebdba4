// The audit trail as an append-only SQLite table (UPDATE and DELETE refused by triggers) with a hash chain.
import type Database from 'better-sqlite3';
import { auditHash, GENESIS_HASH, type AuditRecord } from '../core/evidence/auditChain.ts';
import type { AuditEntry, AuditTrail } from '../ports/auditTrail.ts';

export const AUDIT_SCHEMA = `
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  task_id TEXT,
  evidence_id TEXT,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
`;

interface Row {
  seq: number;
  at_ms: number;
  kind: string;
  task_id: string | null;
  evidence_id: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

export class SqliteAuditTrail implements AuditTrail {
  private readonly last: Database.Statement;
  private readonly insert: Database.Statement;

  /** `db` must already hold the audit schema (AUDIT_SCHEMA); records join any transaction open on it. */
  constructor(
    private readonly db: Database.Database,
    private readonly nowMs: () => number,
  ) {
    this.last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    this.insert = db.prepare(
      `INSERT INTO audit (seq, at_ms, kind, task_id, evidence_id, detail, prev_hash, hash)
       VALUES (@seq, @atMs, @kind, @taskId, @evidenceId, @detail, @prevHash, @hash)`,
    );
  }

  record(entry: AuditEntry): void {
    // Read the tail inside the same transaction as the insert, so a rolled-back record never breaks the chain.
    this.db.transaction(() => {
      const tail = this.last.get() as { seq: number; hash: string } | undefined;
      const content = {
        seq: (tail?.seq ?? 0) + 1,
        atMs: this.nowMs(),
        kind: entry.kind,
        taskId: entry.taskId ?? null,
        evidenceId: entry.evidenceId ?? null,
        detail: JSON.stringify(entry.detail ?? {}),
        prevHash: tail?.hash ?? GENESIS_HASH,
      };
      this.insert.run({ ...content, hash: auditHash(content) });
    })();
  }
}

/** Streams the trail in order from any connection (also a read-only one on a running agent's file). */
export function* readAuditRecords(db: Database.Database): Generator<AuditRecord> {
  for (const row of db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as Iterable<Row>) {
    yield {
      seq: row.seq,
      atMs: row.at_ms,
      kind: row.kind,
      taskId: row.task_id,
      evidenceId: row.evidence_id,
      detail: row.detail,
      prevHash: row.prev_hash,
      hash: row.hash,
    };
  }
}
