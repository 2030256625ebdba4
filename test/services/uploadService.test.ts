import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BandwidthLimiter } from '../../agent/adapters/bandwidthLimiter.ts';
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

/** A real HTTP ingest that stores and answers each request with whatever `answer` returns (after `answerAfterMs`), and counts requests. */
async function scriptedIngest(answer: (url: string) => number, answerAfterMs: (url: string) => number = () => 0) {
  const state = { requests: 0, stored: new Set<string>() };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.requests += 1;
      const status = answer(req.url ?? '');
      if (status < 300) state.stored.add(req.url ?? '');
      setTimeout(() => res.writeHead(status).end(), answerAfterMs(req.url ?? ''));
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

  it('sends no byte of an item past its retention: no PUT begins after it, and the answer to one sent in time still counts', async () => {
    // The ingest answers the short-lived item's JPEG only after its retention ran out, and the in-time item's metadata
    // too; everything else at once.
    const shortLived = sampleMeta({ retentionDays: 1_500 / DAY_MS });
    const inTime = sampleMeta({ retentionDays: 1_500 / DAY_MS });
    const longLived = sampleMeta({ retentionDays: 40 }); // past the longest timer delay (~24.8 days)
    const answerAfterMs = (url: string) => (url.includes(shortLived.id) ? 3_000 : url === `/evidence/${inTime.id}.json` ? 2_500 : 0);
    const ingest = await scriptedIngest(() => 201, answerAfterMs);
    const { queue, service } = await setup(ingest.url);
    await queue.add(shortLived, Buffer.from('short'), 9);
    await queue.add(longLived, Buffer.from('long'), 1);
    await service.start();
    started.push(service);

    await until(() => service.stats.uploaded === 1 && ingest.state.requests === 3, 20_000);
    await new Promise((r) => setTimeout(r, 500));
    // Its JPEG went in time; its metadata, due after the end, was never sent: the ingest holds no evidence of it.
    expect([...ingest.state.stored].sort()).toEqual([`/evidence/${longLived.id}.jpg`, `/evidence/${longLived.id}.json`, `/evidence/${shortLived.id}.jpg`].sort());
    // Not a failure to retry: the item is past its retention, never due again, left for the sweeper to delete.
    expect(service.stats).toMatchObject({ uploaded: 1, failedAttempts: 0, parked: 0 });
    expect(queue.nextDue(Date.now())).toBeNull();
    expect(queue.counts().pending).toBe(1);

    // Both PUTs begun within the retention: the answers may come after it, and the item counts as uploaded.
    await queue.add(inTime, Buffer.from('in time'), 9);
    service.poke();
    await until(() => service.stats.uploaded === 2, 20_000);
    expect(ingest.state.stored.has(`/evidence/${inTime.id}.json`)).toBe(true);
  });

  it('sends nothing more of an item whose retention a new revision shortened while it was being uploaded', async () => {
    const item = sampleMeta({ taskId: 'permit-4711', revision: 1, retentionDays: 30 });
    const ingest = await scriptedIngest(() => 201, (url) => (url.endsWith('.jpg') ? 1_000 : 0));
    const { queue, service } = await setup(ingest.url);
    await queue.add(item, Buffer.from('jpeg'), 5);
    await service.start();
    started.push(service);
    await until(() => ingest.state.requests === 1);
    // Revision 2 keeps evidence 1 ms: the item, queued longer ago than that, is past it while its JPEG's answer is due.
    await new Promise((r) => setTimeout(r, 5));
    expect(queue.capRetention('permit-4711', 2, 1 / DAY_MS)).toBe(1);
    await new Promise((r) => setTimeout(r, 2_000));
    expect([...ingest.state.stored]).toEqual([`/evidence/${item.id}.jpg`]);
    expect(service.stats).toMatchObject({ uploaded: 0, failedAttempts: 0 });
  });

  it('stops a body still streaming under the bandwidth cap when its retention runs out', async () => {
    const received = { bytes: 0, ended: false, aborted: false, requests: 0 };
    const server = http.createServer((req, res) => {
      received.requests += 1;
      req.on('data', (c: Buffer) => (received.bytes += c.length));
      req.on('end', () => ((received.ended = true), res.writeHead(201).end()));
      req.on('aborted', () => (received.aborted = true));
      req.on('close', () => !req.complete && (received.aborted = true));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    started.push({ stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) });
    const { port } = server.address() as { port: number };
    const queue = new SqliteEvidenceQueue({ dataDir: mkdtempSync(path.join(tmpdir(), 'tilsyn-upload-')), nowMs: () => Date.now() }, testLogger);
    await queue.start();
    started.push(queue);
    // 40 KB at 64 kbit/s (8 KB/s) takes ~5 s; the retention runs out after 1.5 s.
    const uploader = new HttpUploader({ baseUrl: `http://127.0.0.1:${port}`, token: 't', timeoutMs: 30_000, limiter: new BandwidthLimiter(64) });
    const service = new UploadService({ retryMinMs: 200, retryMaxMs: 400, idleMs: 50 }, queue, uploader, { nowMs: () => Date.now() }, testLogger);
    await queue.add(sampleMeta({ retentionDays: 1_500 / DAY_MS }), Buffer.alloc(40_000, 7), 5);
    await service.start();
    started.push(service);

    await until(() => received.aborted, 20_000);
    expect(received).toMatchObject({ ended: false, requests: 1 });
    expect(received.bytes).toBeLessThan(40_000);
    expect(service.stats).toMatchObject({ uploaded: 0, failedAttempts: 0 });
  });
});
