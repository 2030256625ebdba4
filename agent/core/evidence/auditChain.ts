// The audit hash chain: each record's hash covers its content and the previous record's hash, so any edit,
// insertion or removal in the middle is detectable.
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditRecord {
  readonly seq: number;
  readonly atMs: number;
  readonly kind: string;
  readonly taskId: string | null;
  readonly evidenceId: string | null;
  /** The detail exactly as stored (JSON text); hashed as text so no re-serialisation can change it. */
  readonly detail: string;
  readonly prevHash: string;
  readonly hash: string;
}

export type AuditContent = Omit<AuditRecord, 'hash'>;

export function auditHash(record: AuditContent): string {
  const canonical = JSON.stringify([record.seq, record.atMs, record.kind, record.taskId, record.evidenceId, record.detail, record.prevHash]);
  return createHash('sha256').update(canonical).digest('hex');
}

export type ChainVerdict =
  | { readonly ok: true; readonly records: number; readonly lastHash: string }
  | { readonly ok: false; readonly records: number; readonly seq: number; readonly reason: string };

/**
 * Checks records given in seq order; stops at the first break. `from` is where the chain starts: genesis, or the
 * checkpoint (seq and hash of the last record) left when older, shipped records were pruned.
 */
export function verifyChain(records: Iterable<AuditRecord>, from?: { readonly seq: number; readonly hash: string }): ChainVerdict {
  let prevHash = from?.hash ?? GENESIS_HASH;
  let prevSeq = from?.seq ?? 0;
  let count = 0;
  for (const r of records) {
    if (r.seq !== prevSeq + 1) return { ok: false, records: count, seq: r.seq, reason: `expected record ${prevSeq + 1}, found ${r.seq} (records removed)` };
    if (r.prevHash !== prevHash) return { ok: false, records: count, seq: r.seq, reason: 'does not point at the hash of the record before it' };
    if (auditHash(r) !== r.hash) return { ok: false, records: count, seq: r.seq, reason: 'content does not match its hash (record altered)' };
    prevHash = r.hash;
    prevSeq = r.seq;
    count += 1;
  }
  return { ok: true, records: count, lastHash: prevHash };
}
