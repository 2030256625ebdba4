// Uploads evidence to the central ingest over HTTP(S): PUT {url}/evidence/{id}.jpg, then {id}.json, each proven stored.
import type { EvidenceMeta } from '../core/evidence/evidence.ts';
import type { Uploader } from '../ports/uploader.ts';
import type { BandwidthLimiter } from './bandwidthLimiter.ts';
import { verifiedPut } from './verifiedPut.ts';

export interface HttpUploaderOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly timeoutMs: number;
  /** When set, bodies are streamed in chunks no faster than the limiter allows (shared by all uploads). */
  readonly limiter?: BandwidthLimiter;
}

export class HttpUploader implements Uploader {
  constructor(private readonly options: HttpUploaderOptions) {}

  async upload(meta: EvidenceMeta, jpeg: Buffer, stop?: AbortSignal, maySend?: () => boolean): Promise<void> {
    // The JPEG first: metadata at the ingest always points at an image that is already there.
    await this.put(`${meta.id}.jpg`, jpeg, 'image/jpeg', stop, maySend);
    await this.put(`${meta.id}.json`, Buffer.from(JSON.stringify(meta)), 'application/json', stop, maySend);
  }

  private put(name: string, body: Buffer, contentType: string, stop?: AbortSignal, maySend?: () => boolean): Promise<void> {
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/evidence/${name}`;
    return verifiedPut(this.options, url, name, body, contentType, stop, maySend);
  }

  /**
   * Whether the ingest answers and how it treats this vehicle's token, without uploading anything: a GET of the base
   * URL with the upload's authorization. Resolves with the HTTP status; rejects when nothing answers in time.
   */
  async probe(timeoutMs: number): Promise<number> {
    const response = await fetch(this.options.baseUrl, {
      // A redirect is an answer too, and the token must not follow it to another host.
      redirect: 'manual',
      headers: { authorization: `Bearer ${this.options.token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is not needed, and an ingest must not make the check read without end.
    await response.body?.cancel().catch(() => undefined);
    return response.status;
  }
}
