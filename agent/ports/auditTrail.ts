// Audit trail port: append-only record of what the agent decided about tasks and evidence (never pixels).
import type { AuditRecord } from '../core/evidence/auditChain.ts';
export type AuditKind =
  | 'task-accepted'
  | 'task-withdrawn'
  | 'task-rejected'
  | 'task-cleared'
  | 'captured'
  | 'frames-dropped'
  | 'uploaded'
  | 'upload-parked'
  | 'deleted'
  | 'retention-shortened'
  | 'observations-dropped'
  | 'manifest-accepted'
  | 'manifest-rejected'
  | 'lost'
  | 'pruned';

export interface AuditEntry {
  readonly kind: AuditKind;
  readonly taskId?: string | null;
  readonly evidenceId?: string | null;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface AuditTrail {
  /** Appends one record durably; throws only when the store itself fails. */
  record(entry: AuditEntry): void;
}

/** The trail as the audit head and shipping see it: its tail, its records in order, and how far it was shipped. */
export interface AuditLedger {
  /** Sequence number and hash of the last record (seq 0 and the genesis hash when empty). */
  head(): { seq: number; hash: string };
  /** Up to `limit` records after `seq`, in order. */
  recordsAfter(seq: number, limit: number): AuditRecord[];
  /** The last record the ingest acknowledged. */
  shippedThrough(): number;
  markShipped(seq: number): void;
  /** Deletes shipped records up to `throughSeq` (never the last), keeping a checkpoint; returns how many went. */
  prune(throughSeq: number, signedHead: string | null): number;
}
