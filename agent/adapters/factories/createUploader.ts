// The uploader of redacted evidence to the configured ingest (ingest.*, upload.maxKbps).
import type { Config } from '../../config/schema.ts';
import type { Uploader } from '../../ports/uploader.ts';
import { BandwidthLimiter } from '../bandwidthLimiter.ts';
import { HttpUploader } from '../httpUploader.ts';

/** The keys the uploader is made from: the ingest (URL, token, timeout) and the bandwidth cap. */
export interface UploaderConfig {
  readonly ingest: Pick<Config['ingest'], 'url' | 'token' | 'timeoutMs'>;
  readonly upload: Pick<Config['upload'], 'maxKbps'>;
}

export function createUploader(config: UploaderConfig): HttpUploader & Uploader {
  return new HttpUploader({
    baseUrl: config.ingest.url,
    token: config.ingest.token,
    timeoutMs: config.ingest.timeoutMs,
    ...(config.upload.maxKbps !== undefined ? { limiter: new BandwidthLimiter(config.upload.maxKbps) } : {}),
  });
}
