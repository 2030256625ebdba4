// The audit trail as an append-only SQLite table (UPDATE and DELETE refused by triggers) with a hash chain.
import type Database from 'better-sqlite3';
import { auditHash, GENESIS_HASH, type AuditRecord } from '../core/evidence/auditChain.ts';
import type { AuditEntry, AuditLedger, AuditTrail } from '../ports/auditTrail.ts';

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
CREATE TABLE IF NOT EXISTS audit_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  shipped_through INTEGER NOT NULL DEFAULT 0,
  checkpoint_seq INTEGER NOT NULL DEFAULT 0,
  checkpoint_hash TEXT NOT NULL DEFAULT '${GENESIS_HASH}',
  checkpoint_head TEXT
);
INSERT OR IGNORE INTO audit_state (id) VALUES (1);
`;

const NO_DELETE_TRIGGER = `CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;`;

/** Where the local chain starts: genesis, or the last record pruned (its signed head kept as the checkpoint). */
export interface AuditCheckpoint {
  readonly seq: number;
  readonly hash: string;
  /** The signed head of that record (JSON), when pruned by an agent with a signing key. */
  readonly head: string | null;
}

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

export class SqliteAuditTrail implements AuditTrail, AuditLedger {
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
      // After pruning every record the chain goes on from the checkpoint, never from genesis again.
      const tail = (this.last.get() as { seq: number; hash: string } | undefined) ?? this.checkpointTail();
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

  head(): { seq: number; hash: string } {
    return (this.last.get() as { seq: number; hash: string } | undefined) ?? this.checkpointTail() ?? { seq: 0, hash: GENESIS_HASH };
  }

  recordsAfter(seq: number, limit: number): AuditRecord[] {
    return (this.db.prepare('SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit) as Row[]).map(toRecord);
  }

  shippedThrough(): number {
    return (this.db.prepare('SELECT shipped_through AS n FROM audit_state WHERE id = 1').get() as { n: number }).n;
  }

  markShipped(seq: number): void {
    this.db.prepare('UPDATE audit_state SET shipped_through = max(shipped_through, ?) WHERE id = 1').run(seq);
  }

  checkpoint(): AuditCheckpoint {
    return readCheckpoint(this.db);
  }

  /**
   * Deletes records up to `throughSeq` (shipped ones only, never the last) and keeps their end as the checkpoint the
   * rest of the chain verifies from; `signedHead` is the signed head of that record. Returns the records deleted.
   */
  prune(throughSeq: number, signedHead: string | null): number {
    return this.db.transaction(() => {
      const limit = Math.min(throughSeq, this.shippedThrough(), this.head().seq - 1);
      const end = this.db.prepare('SELECT seq, hash FROM audit WHERE seq <= ? ORDER BY seq DESC LIMIT 1').get(limit) as { seq: number; hash: string } | undefined;
      if (end === undefined) return 0;
      // The trigger guards against a stray DELETE; this is the one deliberate one, in the same transaction.
      this.db.exec('DROP TRIGGER audit_no_delete');
      const deleted = this.db.prepare('DELETE FROM audit WHERE seq <= ?').run(end.seq).changes;
      this.db.exec(NO_DELETE_TRIGGER);
      this.db.prepare('UPDATE audit_state SET checkpoint_seq = ?, checkpoint_hash = ?, checkpoint_head = ? WHERE id = 1').run(end.seq, end.hash, signedHead);
      this.record({ kind: 'pruned', detail: { throughSeq: end.seq, hash: end.hash, records: deleted } });
      return deleted;
    })();
  }

  private checkpointTail(): { seq: number; hash: string } | undefined {
    const c = readCheckpoint(this.db);
    return c.seq > 0 ? { seq: c.seq, hash: c.hash } : undefined;
  }
}

/** The checkpoint from any connection; genesis for a file from before pruning existed. */
export function readCheckpoint(db: Database.Database): AuditCheckpoint {
  const hasState = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_state'").get() !== undefined;
  const row = hasState
    ? (db.prepare('SELECT checkpoint_seq AS seq, checkpoint_hash AS hash, checkpoint_head AS head FROM audit_state WHERE id = 1').get() as AuditCheckpoint | undefined)
    : undefined;
  return row ?? { seq: 0, hash: GENESIS_HASH, head: null };
}

function toRecord(row: Row): AuditRecord {
  return {
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

/** Streams the trail in order from any connection (also a read-only one on a running agent's file). */
export function* readAuditRecords(db: Database.Database): Generator<AuditRecord> {
  for (const row of db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as Iterable<Row>) {
    yield toRecord(row);
  }
}
