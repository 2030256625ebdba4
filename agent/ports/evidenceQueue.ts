// Evidence queue port: redacted JPEGs and their metadata waiting for upload, surviving restarts.
import type { EvidenceMeta } from '../core/evidence.ts';

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
}

export interface EvidenceQueue {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stores a redacted JPEG durably; resolves once both file and row are committed. */
  add(meta: EvidenceMeta, jpeg: Buffer, priority: number): Promise<void>;
  /** The next item due for upload at nowMs: highest priority first, then oldest; null when none is due. */
  nextDue(nowMs: number): QueuedEvidence | null;
  readJpeg(id: string): Promise<Buffer>;
  /** Removes an item (row and file) after both uploads were acknowledged. */
  remove(id: string): Promise<void>;
  /** Records a failed attempt and when to try again. */
  deferred(id: string, error: string, retryAtMs: number): void;
  counts(): QueueCounts;
}
