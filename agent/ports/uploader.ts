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
   *  An abort (the agent stopping, or the item's retention running out) rejects at once, naming the abort's reason;
   *  the evidence stays queued. */
  upload(meta: EvidenceMeta, jpeg: Buffer, signal?: AbortSignal): Promise<void>;
}
