// The real agent process under systemd's rules: READY after start, and SIGTERM while an upload hangs on a slow ingest
// exits cleanly (STOPPING, exit 0) well within TimeoutStopSec; the evidence stays queued and is delivered next run.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteEvidenceQueue } from '../../agent/adapters/sqliteEvidenceQueue.ts';
import { startIngestReceiver } from '../../tools/demo/ingestReceiver.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { sampleMeta } from '../support/evidence.ts';
import { testLogger } from '../support/logger.ts';
import { TEST_PUBLIC_KEY } from '../support/tasks.ts';
import { startNotifyListener, type NotifyListener } from '../support/notifySocket.ts';
import { repoRoot, startAgent, until } from '../support/agentProcess.ts';

const unit = readFileSync(path.join(repoRoot, 'systemd/tilsyn-agent.service'), 'utf8');
const TIMEOUT_STOP_MS = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)![1]) * 1000;

describe('stopping the agent in the middle of an upload', () => {
  let work: string;
  let broker: LocalBroker;
  let notify: NotifyListener;
  let hanging: http.Server;
  let putsSeen = 0;
  const jpeg = { bytes: Buffer.alloc(0), id: '' };

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tilsyn-stop-'));
    broker = await startLocalBroker(await freeLoopbackPort());
    notify = await startNotifyListener();
    // An ingest that takes the request and never answers: the upload is in flight when SIGTERM comes.
    hanging = http.createServer((req) => {
      putsSeen += 1;
      req.resume();
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));

    // One piece of already-redacted evidence in the queue (a plain synthetic picture: nothing to redact in it).
    jpeg.bytes = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 120, b: 150 } } }).jpeg().toBuffer();
    const meta = sampleMeta({ vehicleId: 'stop-bus', fleetId: 'stop-fleet', bytes: jpeg.bytes.length, sha256: createHash('sha256').update(jpeg.bytes).digest('hex') });
    jpeg.id = meta.id;
    const queue = new SqliteEvidenceQueue({ dataDir: path.join(work, 'data'), nowMs: () => Date.now() }, testLogger);
    await queue.start();
    await queue.add(meta, jpeg.bytes, 1);
    await queue.stop();
  }, 60_000);

  afterAll(async () => {
    hanging?.closeAllConnections();
    await new Promise((r) => hanging?.close(r));
    await notify?.stop();
    await broker?.stop();
  });

  const config = (ingestUrl: string) => {
    const file = path.join(work, `agent-${ingestUrl.split(':').pop()}.yaml`);
    writeFileSync(
      file,
      JSON.stringify({
        vehicleId: 'stop-bus',
        fleetId: 'stop-fleet',
        dataDir: path.join(work, 'data'),
        gps: { source: 'nmea-file', path: path.join(repoRoot, 'fixtures/gps/short-drive.nmea'), loop: true },
        mqtt: { url: broker.url },
        camera: { source: 'test', fps: 2, width: 320, height: 240 },
        ingest: { url: ingestUrl, token: 'stop-token', timeoutMs: 600_000 },
        tasks: { publicKeys: [TEST_PUBLIC_KEY] },
        upload: { idleMs: 200 },
      }),
    );
    return file;
  };

  it('sends READY, then on SIGTERM STOPPING and exits 0 within TimeoutStopSec; the evidence is delivered next run', async () => {
    const address = hanging.address() as { port: number };
    const agent = startAgent(config(`http://127.0.0.1:${address.port}`), { NOTIFY_SOCKET: notify.socketPath });
    await notify.waitFor((m) => m.some((x) => x.startsWith('READY=1')), 120_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${agent.output()}`);
    });
    await until(() => putsSeen >= 1, 60_000, agent.output);

    const signalledAtMs = Date.now();
    agent.child.kill('SIGTERM');
    const code = await Promise.race([agent.exit.then((e) => e.code), new Promise<'late'>((r) => setTimeout(() => r('late'), TIMEOUT_STOP_MS))]);
    const stopMs = Date.now() - signalledAtMs;
    if (code === 'late') agent.child.kill('SIGKILL');
    expect(code, agent.output()).toBe(0);
    console.info(`SIGTERM mid-upload → exit 0 in ${stopMs} ms (TimeoutStopSec ${TIMEOUT_STOP_MS} ms)`);
    await notify.waitFor((m) => m.some((x) => x.startsWith('STOPPING=1')), 10_000);
    expect(agent.output()).toContain('evidence stays queued');

    // Next run, against an ingest that answers: the same evidence arrives, byte for byte.
    const ingest = await startIngestReceiver(path.join(work, 'ingest'), 'stop-token');
    try {
      const second = startAgent(config(ingest.url), { NOTIFY_SOCKET: notify.socketPath });
      const received = path.join(work, 'ingest', `${jpeg.id}.json`);
      await until(() => existsSync(received), 120_000, second.output);
      second.child.kill('SIGTERM');
      const secondCode = await Promise.race([second.exit.then((e) => e.code), new Promise<'late'>((r) => setTimeout(() => r('late'), TIMEOUT_STOP_MS))]);
      if (secondCode === 'late') second.child.kill('SIGKILL');
      expect(secondCode, second.output()).toBe(0);
      expect(readFileSync(path.join(work, 'ingest', `${jpeg.id}.jpg`)).equals(jpeg.bytes)).toBe(true);
    } finally {
      await ingest.stop();
    }
  }, 240_000);
});
