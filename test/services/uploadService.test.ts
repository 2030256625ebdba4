import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpUploader } from '../../agent/adapters/httpUploader.ts';
import { SqliteEvidenceQueue } from '../../agent/adapters/sqliteEvidenceQueue.ts';
import { DAY_MS } from '../../agent/core/evidence/retention.ts';
import { UploadService } from '../../agent/services/uploadService.ts';
import { sampleMeta } from '../support/evidence.ts';
import { testLogger } from '../support/logger.ts';

const started: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of started.splice(0).reverse()) await s.stop();
});

/** A real HTTP ingest that answers each request with whatever `answer` returns, and counts requests. */
async function scriptedIngest(answer: (url: string) => number) {
  const state = { requests: 0, stored: new Set<string>() };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.requests += 1;
      const status = answer(req.url ?? '');
      if (status < 300) state.stored.add(req.url ?? '');
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  started.push({ stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) });
  return { url: `http://127.0.0.1:${port}`, state };
}

async function setup(url: string, options = { retryMinMs: 200, retryMaxMs: 400, idleMs: 50 }) {
  const queue = new SqliteEvidenceQueue({ dataDir: mkdtempSync(path.join(tmpdir(), 'tilsyn-upload-')), nowMs: () => Date.now() }, testLogger);
  await queue.start();
  started.push(queue);
  const service = new UploadService(options, queue, new HttpUploader({ baseUrl: url, token: 't', timeoutMs: 10_000 }), { nowMs: () => Date.now() }, testLogger);
  return { queue, service };
}

async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('UploadService against a real HTTP server', () => {
  it('parks an item the ingest refuses for good (HTTP 422) and goes on with the rest; 408 and 429 are retried', async () => {
    const refused = sampleMeta();
    const busy = sampleMeta();
    const tries = new Map<string, number>();
    const ingest = await scriptedIngest((url) => {
      if (url.includes(refused.id)) return 422;
      const n = (tries.get(url) ?? 0) + 1;
      tries.set(url, n);
      return url.includes(busy.id) && n === 1 ? 429 : 201;
    });
    const { queue, service } = await setup(ingest.url);
    await queue.add(refused, Buffer.from('r'), 9);
    await queue.add(busy, Buffer.from('b'), 5);
    await queue.add(sampleMeta(), Buffer.from('c'), 1);
    await service.start();
    started.push(service);
    await until(() => service.stats.uploaded + service.stats.parked === 3);
    expect(queue.counts()).toMatchObject({ pending: 1, parked: 1 });
    expect(service.stats).toMatchObject({ uploaded: 2, parked: 1 });
    expect(ingest.state.stored.has(`/evidence/${busy.id}.json`)).toBe(true);
  });

  it('while the ingest is down, probes once per backoff step instead of trying every queued item', async () => {
    let down = true;
    const ingest = await scriptedIngest(() => (down ? 503 : 201));
    const { queue, service } = await setup(ingest.url, { retryMinMs: 300, retryMaxMs: 600, idleMs: 50 });
    for (let i = 0; i < 20; i++) await queue.add(sampleMeta(), Buffer.from(`item ${i}`), 5);
    await service.start();
    started.push(service);
    const t0 = Date.now();
    await until(() => ingest.state.requests >= 3);
    const elapsedMs = Date.now() - t0;
    // Each failed probe is followed by a pause of at least half retryMinMs before the next one.
    expect(elapsedMs).toBeGreaterThanOrEqual(2 * 150);
    expect(queue.counts().pending).toBe(20);
    down = false;
    await until(() => service.stats.uploaded === 20, 60_000);
    expect(queue.counts().pending).toBe(0);
    expect(ingest.state.stored.size).toBe(40);
  });

  it('never sends evidence past its retention: an upload still in flight when it runs out is cut, and nothing is counted sent', async () => {
    // An ingest that holds JPEGs of the short-lived item long past its retention, and takes everything else at once.
    const shortLived = sampleMeta({ retentionDays: 1_500 / DAY_MS });
    const longLived = sampleMeta({ retentionDays: 40 }); // past the longest timer delay (~24.8 days)
    const cutShort: string[] = [];
    const held = new Set<http.ServerResponse>();
    const server = http.createServer((req, res) => {
      const url = req.url ?? '';
      if (url.includes(shortLived.id)) {
        held.add(res);
        req.on('close', () => !res.writableEnded && cutShort.push(url));
        req.resume();
        return;
      }
      req.resume();
      req.on('end', () => res.writeHead(201).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    started.push({ stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) });
    const { port } = server.address() as { port: number };
    const { queue, service } = await setup(`http://127.0.0.1:${port}`);
    await queue.add(shortLived, Buffer.from('short'), 9);
    await queue.add(longLived, Buffer.from('long'), 1);
    await service.start();
    started.push(service);

    await until(() => cutShort.length === 1 && service.stats.uploaded === 1, 20_000);
    expect(cutShort).toEqual([`/evidence/${shortLived.id}.jpg`]);
    expect([...held].every((res) => !res.headersSent)).toBe(true);
    // Not a failure to retry: the item is past its retention, never due again, left for the sweeper to delete.
    expect(service.stats).toMatchObject({ uploaded: 1, failedAttempts: 0, parked: 0 });
    expect(queue.nextDue(Date.now())).toBeNull();
    expect(queue.counts().pending).toBe(1);
  });
});
