import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpUploader } from '../../agent/adapters/httpUploader.ts';
import { startIngestReceiver, type IngestReceiver } from '../../tools/demo/ingestReceiver.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { UploadError } from '../../agent/ports/uploader.ts';
import { sampleMeta } from '../support/evidence.ts';

let ingest: IngestReceiver | null = null;
afterEach(async () => {
  await ingest?.stop();
  ingest = null;
});

describe('HttpUploader against a real HTTP ingest', () => {
  it('PUTs the JPEG and the metadata with the bearer token; the same upload again is a success', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-ingest-'));
    ingest = await startIngestReceiver(dir, 'secret');
    const uploader = new HttpUploader({ baseUrl: `${ingest.url}/`, token: 'secret', timeoutMs: 5_000 });
    const meta = sampleMeta();
    await uploader.upload(meta, Buffer.from('jpeg-bytes'));
    await uploader.upload(meta, Buffer.from('jpeg-bytes'));
    expect(ingest.received).toEqual([`${meta.id}.jpg`, `${meta.id}.json`]);
    expect(readFileSync(path.join(dir, `${meta.id}.jpg`), 'utf8')).toBe('jpeg-bytes');
    expect(JSON.parse(readFileSync(path.join(dir, `${meta.id}.json`), 'utf8'))).toEqual(meta);
  });

  it('fails with the HTTP status on a wrong token, and with the cause when nothing listens', async () => {
    ingest = await startIngestReceiver(mkdtempSync(path.join(tmpdir(), 'tilsyn-ingest-')), 'secret');
    const wrong = new HttpUploader({ baseUrl: ingest.url, token: 'wrong', timeoutMs: 5_000 });
    await expect(wrong.upload(sampleMeta(), Buffer.from('x'))).rejects.toMatchObject({ status: 401 });
    const nobody = new HttpUploader({ baseUrl: `http://127.0.0.1:${await freeLoopbackPort()}`, token: 't', timeoutMs: 5_000 });
    await expect(nobody.upload(sampleMeta(), Buffer.from('x'))).rejects.toThrow(UploadError);
    await expect(nobody.upload(sampleMeta(), Buffer.from('x'))).rejects.toThrow(/ECONNREFUSED/);
  });
});
