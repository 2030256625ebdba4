// Uploader port: sends one piece of evidence (JPEG + metadata) to the central ingest.
import type { EvidenceMeta } from '../core/evidence/evidence.ts';

export class UploadError extends Error {
  constructor(
    message: string,
    /** HTTP status when the server answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

export interface Uploader {
  /** Resolves only when the ingest acknowledged both the JPEG and the metadata with a 2xx.
   *  `stop` aborted (the agent stopping) rejects at once; the evidence stays queued and is sent again later.
   *  Once `maySend` says no (the item's retention ran out), no further byte is sent — a PUT not yet begun is not
   *  begun, a body still streaming stops — while the answer to bytes sent in time is still awaited. */
  upload(meta: EvidenceMeta, jpeg: Buffer, stop?: AbortSignal, maySend?: () => boolean): Promise<void>;
}
