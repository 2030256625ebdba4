// Uploader port: sends one piece of evidence (JPEG + metadata) to the central ingest.
import type { EvidenceMeta } from '../core/evidence.ts';

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
  /** Resolves only when the ingest acknowledged both the JPEG and the metadata with a 2xx. */
  upload(meta: EvidenceMeta, jpeg: Buffer): Promise<void>;
}
