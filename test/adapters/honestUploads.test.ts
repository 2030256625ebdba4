// Uploads that prove delivery, against real HTTP ingests that misbehave: a 303/307 is never followed (the item waits,
// the status says where it pointed), only 200/201/204 count, a huge answer is not read, and the sha256 the ingest
// says it stored must be the one sent.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpUploader } from '../../agent/adapters/httpUploader.ts';
import { readAuditRecords } from '../../agent/adapters/sqliteAuditTrail.ts';
import { SqliteEvidenceQueue } from '../../agent/adapters/sqliteEvidenceQueue.ts';
import { startIngestReceiver } from '../../tools/demo/ingestReceiver.ts';
import { UploadService } from '../../agent/services/uploadService.ts';
import { sampleMeta } from '../support/evidence.ts';
import { testLogger } from '../support/logger.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

interface Seen {
  method: string;
  url: string;
}

/** A real HTTP server answering every request with `answer`; records what it was asked. */
async function ingest(answer: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '' });
      answer(req, res, Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  stops.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { url: `http://127.0.0.1:${port}`, seen };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('an upload is believed only when proven', () => {
  it.each([303, 307])('a %i is an error naming where it pointed; nothing follows it', async (status) => {
    const target = await ingest((_req, res) => res.writeHead(200).end('ok'));
    const redirecting = await ingest((_req, res) => res.writeHead(status, { location: `${target.url}/elsewhere` }).end());
    const uploader = new HttpUploader({ baseUrl: redirecting.url, token: 'secret', timeoutMs: 5_000 });
    const error = await uploader.upload(sampleMeta(), Buffer.from('jpeg')).then(
      () => null,
      (err: Error & { status?: number }) => err,
    );
    expect(error?.message).toContain(`HTTP ${status} pointing to ${target.url}/elsewhere`);
    expect(error?.message).toContain('redirects are not followed');
    expect(error?.status).toBe(status);
    expect(target.seen).toEqual([]); // neither a GET (303) nor a second PUT (307), and the token went nowhere else
  });

  it('with a 303 ingest the evidence stays queued, is never audited as uploaded, and the status says why', async () => {
    const target = await ingest((_req, res) => res.writeHead(200).end('ok'));
    const redirecting = await ingest((_req, res) => res.writeHead(303, { location: `${target.url}/gone` }).end());
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tilsyn-303-'));
    const queue = new SqliteEvidenceQueue({ dataDir, nowMs: () => Date.now() }, testLogger);
    await queue.start();
    stops.push(() => queue.stop());
    const jpeg = randomBytes(1000);
    const meta = sampleMeta({ bytes: jpeg.length, sha256: sha(jpeg) });
    await queue.add(meta, jpeg, 5);
    const service = new UploadService(
      { retryMinMs: 50, retryMaxMs: 100, idleMs: 20 },
      queue,
      new HttpUploader({ baseUrl: redirecting.url, token: 't', timeoutMs: 5_000 }),
      { nowMs: () => Date.now() },
      testLogger,
    );
    await service.start();
    stops.push(() => service.stop());
    while (redirecting.seen.length < 3) await new Promise((r) => setTimeout(r, 20));
    await service.stop();
    expect(service.stats.uploaded).toBe(0);
    expect(service.stats.parked).toBe(0); // it waits for the ingest to be fixed; it is not given up
    expect(service.stats.lastError).toContain(`HTTP 303 pointing to ${target.url}/gone`);
    expect(queue.counts().pending).toBe(1);
    expect(target.seen).toEqual([]);
    const db = new Database(path.join(dataDir, 'queue.sqlite'), { readonly: true });
    const kinds = [...readAuditRecords(db)].map((r) => r.kind);
    db.close();
    expect(kinds).toContain('captured');
    expect(kinds).not.toContain('uploaded');
  });

  it('only 200, 201 and 204 count: a 202 is not stored', async () => {
    const accepting = await ingest((_req, res) => res.writeHead(202).end());
    const uploader = new HttpUploader({ baseUrl: accepting.url, token: 't', timeoutMs: 5_000 });
    await expect(uploader.upload(sampleMeta(), Buffer.from('jpeg'))).rejects.toThrow('HTTP 202; only 200, 201 and 204 count as stored');
    const noContent = await ingest((_req, res) => res.writeHead(204).end());
    await new HttpUploader({ baseUrl: noContent.url, token: 't', timeoutMs: 5_000 }).upload(sampleMeta(), Buffer.from('jpeg'));
  });

  it('reads a huge answer only to a small limit: the ingest gets to send a few MiB of its 4 GiB', async () => {
    let offered = 0;
    let closed: () => void = () => undefined;
    const done = new Promise<void>((r) => (closed = r));
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const streaming = await ingest((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': String(4 * 1024 ** 3) });
      const pump = () => {
        while (offered < 4 * 1024 ** 3 && !res.destroyed) {
          offered += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      res.on('close', () => closed());
      pump();
    });
    const uploader = new HttpUploader({ baseUrl: streaming.url, token: 't', timeoutMs: 30_000 });
    await uploader.upload(sampleMeta(), Buffer.from('jpeg'));
    await done;
    // What the kernel's socket buffers took before the agent closed the connection, not gigabytes.
    expect(offered).toBeLessThan(64 * 1024 * 1024);
    expect(streaming.seen.map((s) => s.method)).toEqual(['PUT', 'PUT']);
  }, 60_000);

  it('the sha256 the ingest says it stored must be the one sent (ETag or JSON body)', async () => {
    const wrongEtag = await ingest((_req, res) => res.writeHead(201, { etag: `"${'0'.repeat(64)}"` }).end());
    await expect(new HttpUploader({ baseUrl: wrongEtag.url, token: 't', timeoutMs: 5_000 }).upload(sampleMeta(), Buffer.from('jpeg'))).rejects.toThrow(
      `the ingest stored sha256 ${'0'.repeat(64)}, but ${sha(Buffer.from('jpeg'))} was sent`,
    );
    const cut = await ingest((_req, res, body) =>
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sha256: sha(body.subarray(0, body.length - 1)) })),
    );
    await expect(new HttpUploader({ baseUrl: cut.url, token: 't', timeoutMs: 5_000 }).upload(sampleMeta(), Buffer.from('jpeg'))).rejects.toThrow('the ingest stored sha256');
    const honest = await ingest((_req, res, body) => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sha256: sha(body) })));
    await new HttpUploader({ baseUrl: honest.url, token: 't', timeoutMs: 5_000 }).upload(sampleMeta(), Buffer.from('jpeg'));
    // The loopback ingest of the demo and the tests answers with the sha256 as its ETag, first time and again.
    const receiver = await startIngestReceiver(mkdtempSync(path.join(tmpdir(), 'tilsyn-ingest-')), 't');
    stops.push(() => receiver.stop());
    const meta = sampleMeta();
    const uploader = new HttpUploader({ baseUrl: receiver.url, token: 't', timeoutMs: 5_000 });
    await uploader.upload(meta, Buffer.from('jpeg'));
    await uploader.upload(meta, Buffer.from('jpeg'));
  });
});
