// upload.concurrency and upload.maxKbps against a real HTTP server: N items in flight at once (never the same one
// twice), and a bandwidth cap that holds over all uploads together while every byte still arrives intact.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BandwidthLimiter } from '../../agent/adapters/bandwidthLimiter.ts';
import { HttpUploader } from '../../agent/adapters/httpUploader.ts';
import { SqliteEvidenceQueue } from '../../agent/adapters/sqliteEvidenceQueue.ts';
import { UploadService } from '../../agent/services/uploadService.ts';
import { sampleMeta } from '../support/evidence.ts';
import { testLogger } from '../support/logger.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** An ingest that holds each request `holdMs` before answering 201, and records concurrency and bodies. */
async function recordingIngest(holdMs: number) {
  const state = { active: 0, maxActive: 0, bodies: new Map<string, Buffer>(), putsPerName: new Map<string, number>() };
  const server = http.createServer((req, res) => {
    state.active += 1;
    state.maxActive = Math.max(state.maxActive, state.active);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        const name = req.url ?? '';
        state.bodies.set(name, Buffer.concat(chunks));
        state.putsPerName.set(name, (state.putsPerName.get(name) ?? 0) + 1);
        state.active -= 1;
        res.writeHead(201).end();
      }, holdMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  stops.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { url: `http://127.0.0.1:${port}`, state };
}

async function queueWith(items: number, bytes: number) {
  const queue = new SqliteEvidenceQueue({ dataDir: mkdtempSync(path.join(tmpdir(), 'tilsyn-limits-')), nowMs: () => Date.now() }, testLogger);
  await queue.start();
  stops.push(() => queue.stop());
  const sent = new Map<string, Buffer>();
  for (let i = 0; i < items; i++) {
    const jpeg = randomBytes(bytes);
    const meta = sampleMeta({ bytes, sha256: createHash('sha256').update(jpeg).digest('hex') });
    await queue.add(meta, jpeg, 5);
    sent.set(meta.id, jpeg);
  }
  return { queue, sent };
}

async function until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('upload limits', () => {
  it.each([1, 3])('uploads with concurrency %i: at most that many requests at once, each item exactly once', async (concurrency) => {
    const ingest = await recordingIngest(150);
    const { queue, sent } = await queueWith(9, 2_000);
    const service = new UploadService(
      { retryMinMs: 200, retryMaxMs: 400, idleMs: 50, concurrency },
      queue,
      new HttpUploader({ baseUrl: ingest.url, token: 't', timeoutMs: 10_000 }),
      { nowMs: () => Date.now() },
      testLogger,
    );
    await service.start();
    stops.push(() => service.stop());
    await until(() => queue.counts().pending === 0, 60_000, () => `${queue.counts().pending} left`);
    expect(ingest.state.maxActive).toBeLessThanOrEqual(concurrency);
    if (concurrency > 1) expect(ingest.state.maxActive).toBeGreaterThan(1);
    for (const [id, jpeg] of sent) {
      expect(ingest.state.bodies.get(`/evidence/${id}.jpg`)?.equals(jpeg)).toBe(true);
      expect(ingest.state.putsPerName.get(`/evidence/${id}.jpg`)).toBe(1);
    }
  }, 90_000);

  it('holds upload.maxKbps over all concurrent uploads, and the bytes arrive intact', async () => {
    const ingest = await recordingIngest(0);
    // 4 × 40 KB at 640 kbit/s (80 KB/s): at least ~1.5 s (the first half second may burst), however many workers.
    const { queue, sent } = await queueWith(4, 40_000);
    const limiter = new BandwidthLimiter(640);
    const service = new UploadService(
      { retryMinMs: 200, retryMaxMs: 400, idleMs: 50, concurrency: 3 },
      queue,
      new HttpUploader({ baseUrl: ingest.url, token: 't', timeoutMs: 30_000, limiter }),
      { nowMs: () => Date.now() },
      testLogger,
    );
    const startedMs = Date.now();
    await service.start();
    stops.push(() => service.stop());
    await until(() => queue.counts().pending === 0, 60_000, () => `${queue.counts().pending} left`);
    const elapsedS = (Date.now() - startedMs) / 1000;
    const jpegBytes = 4 * 40_000;
    expect(jpegBytes / elapsedS).toBeLessThanOrEqual(80_000 * 1.25);
    for (const [id, jpeg] of sent) expect(ingest.state.bodies.get(`/evidence/${id}.jpg`)?.equals(jpeg)).toBe(true);
  }, 90_000);
});
