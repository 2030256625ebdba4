// Uploads evidence to the central ingest over HTTP(S): PUT {url}/evidence/{id}.jpg, then {id}.json.
import type { EvidenceMeta } from '../core/evidence/evidence.ts';
import { UploadError, type Uploader } from '../ports/uploader.ts';
import type { BandwidthLimiter } from './bandwidthLimiter.ts';

export interface HttpUploaderOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly timeoutMs: number;
  /** When set, bodies are streamed in chunks no faster than the limiter allows (shared by all uploads). */
  readonly limiter?: BandwidthLimiter;
}

export class HttpUploader implements Uploader {
  constructor(private readonly options: HttpUploaderOptions) {}

  async upload(meta: EvidenceMeta, jpeg: Buffer, signal?: AbortSignal): Promise<void> {
    // The JPEG first: metadata at the ingest always points at an image that is already there.
    await this.put(`${meta.id}.jpg`, jpeg, 'image/jpeg', signal);
    await this.put(`${meta.id}.json`, Buffer.from(JSON.stringify(meta)), 'application/json', signal);
  }

  private async put(name: string, body: Buffer, contentType: string, stop?: AbortSignal): Promise<void> {
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/evidence/${name}`;
    // An own controller and timer rather than AbortSignal.any(AbortSignal.timeout(…)): on Node 20 the combined signal
    // can be garbage-collected before it fires, leaving a PUT to a silent ingest waiting forever.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`no answer within ${this.options.timeoutMs} ms`));
    }, this.options.timeoutMs);
    const onStop = () => controller.abort(new Error('stopping'));
    if (stop?.aborted === true) onStop();
    stop?.addEventListener('abort', onStop, { once: true });
    try {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'PUT',
          ...this.bodyOf(body, controller.signal),
          headers: { authorization: `Bearer ${this.options.token}`, 'content-type': contentType },
          signal: controller.signal,
        });
        // Drain the response so the connection can be reused; the timeout covers this too.
        await response.arrayBuffer();
      } catch (err) {
        if (stop?.aborted === true) throw new UploadError(`PUT ${name} interrupted: the agent is stopping`);
        if (timedOut) throw new UploadError(`PUT ${name} failed: no answer within ${this.options.timeoutMs} ms`);
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
        throw new UploadError(`PUT ${name} failed: ${cause}`);
      }
      if (!response.ok) throw new UploadError(`PUT ${name} answered HTTP ${response.status}`, response.status);
    } finally {
      clearTimeout(timer);
      stop?.removeEventListener('abort', onStop);
    }
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
    await response.arrayBuffer().catch(() => undefined);
    return response.status;
  }

  /** The whole buffer at once, or — under a bandwidth cap — a stream that waits for the limiter before each chunk. */
  private bodyOf(body: Buffer, stop?: AbortSignal): { body: BodyInit; duplex?: 'half' } {
    const limiter = this.options.limiter;
    if (limiter === undefined) return { body: new Uint8Array(body) as unknown as BodyInit };
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (offset >= body.length) {
          controller.close();
          return;
        }
        const chunk = body.subarray(offset, offset + limiter.chunkBytes);
        await limiter.take(chunk.length, stop);
        offset += chunk.length;
        controller.enqueue(new Uint8Array(chunk));
      },
    });
    // A streamed request body needs half-duplex in fetch.
    return { body: stream as unknown as BodyInit, duplex: 'half' };
  }
}
