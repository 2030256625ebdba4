// Benchmark of the evidence queue: fill it with 1,000 encrypted ~300 KB items, then drain it over loopback to a
// real HTTP ingest; prints items/s, MB/s and the RSS while draining (which must stay flat: the queue is streamed).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createUploader } from '../../agent/adapters/factories/createUploader.ts';
import { SqliteEvidenceQueue } from '../../agent/adapters/sqliteEvidenceQueue.ts';
import type { EvidenceMeta } from '../../agent/core/evidence/evidence.ts';
import { systemClock } from '../../agent/ports/clock.ts';
import { UploadService } from '../../agent/services/uploadService.ts';
import { startIngestReceiver } from '../demo/ingestReceiver.ts';

const ITEMS = Number(process.env.BENCH_QUEUE_ITEMS ?? 1_000);
const ITEM_BYTES = 300 * 1024;
const MiB = 1024 ** 2;

function meta(id: string, bytes: number): EvidenceMeta {
  return {
    id, vehicleId: 'bench', fleetId: 'bench', taskId: 'bench-task', revision: 1, purpose: 'bench',
    capturedAt: new Date().toISOString(), lat: 55.69, lon: 12.55, speedKmh: 20, headingDeg: 0,
    found: [{ label: 'car', score: 0.9, count: 1 }], models: [], faces: 0, plates: 0, redactedRegions: 0,
    retentionDays: 30, sha256: '0'.repeat(64), bytes,
  };
}

export async function benchQueue(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'tilsyn-bench-queue-'));
  const logger = pino({ level: 'silent' });
  const queue = new SqliteEvidenceQueue({ dataDir: path.join(work, 'data'), nowMs: () => Date.now() }, logger);
  const ingest = await startIngestReceiver(path.join(work, 'ingest'), 'bench');
  try {
    await queue.start();
    const body = randomBytes(ITEM_BYTES);
    const fillStart = performance.now();
    for (let i = 0; i < ITEMS; i++) await queue.add(meta(randomUUID(), body.length), body, 5);
    const fillS = (performance.now() - fillStart) / 1000;

    const upload = new UploadService({ retryMinMs: 1_000, retryMaxMs: 10_000, idleMs: 50 }, queue,
      createUploader({ ingest: { url: ingest.url, token: 'bench', timeoutMs: 30_000 }, upload: {} }), systemClock, logger);
    global.gc?.();
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 250);
    const drainStart = performance.now();
    await upload.start();
    while (upload.stats.uploaded < ITEMS) await new Promise((r) => setTimeout(r, 50));
    const drainS = (performance.now() - drainStart) / 1000;
    clearInterval(sampler);
    await upload.stop();

    const mb = (ITEMS * ITEM_BYTES) / MiB;
    const quarter = Math.max(1, Math.floor(rss.length / 4));
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length / MiB;
    console.log(`queue: fill ${ITEMS} × ${ITEM_BYTES / 1024} KiB (encrypt + fsync + row)  ${(ITEMS / fillS).toFixed(0)} items/s  ${(mb / fillS).toFixed(1)} MiB/s`);
    console.log(`queue: drain over loopback HTTP                     ${(ITEMS / drainS).toFixed(0)} items/s  ${(mb / drainS).toFixed(1)} MiB/s  (${drainS.toFixed(1)} s)`);
    console.log(`queue: RSS while draining  first quarter ${avg(rss.slice(0, quarter)).toFixed(0)} MiB  last quarter ${avg(rss.slice(-quarter)).toFixed(0)} MiB  max ${(Math.max(...rss) / MiB).toFixed(0)} MiB`);
    console.log(`queue: ingest received ${ingest.received.length} files; left in queue ${queue.counts().pending}`);
  } finally {
    await queue.stop();
    await ingest.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchQueue();
