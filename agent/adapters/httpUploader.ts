// Uploads evidence to the central ingest over HTTP(S): PUT {url}/evidence/{id}.jpg, then {id}.json.
import type { EvidenceMeta } from '../core/evidence.ts';
import { UploadError, type Uploader } from '../ports/uploader.ts';

export interface HttpUploaderOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly timeoutMs: number;
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
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'PUT',
        body: new Uint8Array(body),
        headers: { authorization: `Bearer ${this.options.token}`, 'content-type': contentType },
        signal: stop === undefined ? AbortSignal.timeout(this.options.timeoutMs) : AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), stop]),
      });
    } catch (err) {
      if (stop?.aborted === true) throw new UploadError(`PUT ${name} interrupted: the agent is stopping`);
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new UploadError(`PUT ${name} failed: ${cause}`);
    }
    // Drain the body so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new UploadError(`PUT ${name} answered HTTP ${response.status}`, response.status);
  }
}
