// Evidence queue port: redacted JPEGs and their metadata waiting for upload, surviving restarts.
import type { EvidenceMeta } from '../core/evidence/evidence.ts';
import type { DeletionReason, StoredItem } from '../core/evidence/retention.ts';

export interface QueuedEvidence {
  readonly id: string;
  readonly meta: EvidenceMeta;
  readonly priority: number;
  readonly attempts: number;
  readonly createdAtMs: number;
}

export interface QueueCounts {
  readonly pending: number;
  readonly bytes: number;
  /** Items set aside after the ingest refused them for good (kept until retention runs out). */
  readonly parked: number;
}

export interface EvidenceQueue {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stores a redacted JPEG durably (encrypted); resolves once both file and row are committed. */
  add(meta: EvidenceMeta, jpeg: Buffer, priority: number): Promise<void>;
  /** The next item due for upload at nowMs: highest priority first, then oldest; null when none is due.
   *  An item whose retention ran out is never due (the sweeper deletes it).
   *  Items in `exceptIds` (already being uploaded by another worker) are skipped. */
  nextDue(nowMs: number, exceptIds?: ReadonlySet<string>): QueuedEvidence | null;
  /** When the item's retention runs out as it stands now (a new revision may have shortened it); null when it is gone. */
  expiresAtMs(id: string): number | null;
  /** The redacted JPEG, decrypted in memory. */
  readJpeg(id: string): Promise<Buffer>;
  /** Removes an item (row and file) and records why: uploaded, retention, quota. */
  remove(id: string, reason: DeletionReason): Promise<void>;
  /** Records a failed attempt and when to try again. */
  deferred(id: string, error: string, retryAtMs: number): void;
  /** Stops retrying an item the ingest refused for good; it stays until its retention runs out. */
  park(id: string, error: string): void;
  /** Gives the task's evidence at most `retentionDays` (a new revision may shorten it, never lengthen); returns items changed. */
  capRetention(taskId: string, revision: number, retentionDays: number): number;
  /** Every stored item, streamed in eviction order (lowest priority, oldest first). */
  storedItems(): Iterable<StoredItem>;
  counts(): QueueCounts;
}
