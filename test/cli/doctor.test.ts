// `tilsyn doctor` against real parts: all pass with everything up; with each part missing, that part is named.
import { execFile } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../agent/adapters/modelFiles.ts';
import { runDoctor } from '../../agent/cli/doctor.ts';
import { checkClock } from '../../agent/cli/doctor/clockCheck.ts';
import { checkModels } from '../../agent/cli/doctor/modelsCheck.ts';
import { loadConfig } from '../../agent/config/load.ts';
import { testLogger } from '../support/logger.ts';
import { TEST_PUBLIC_KEY } from '../support/tasks.ts';
import { checkSigning } from '../../agent/cli/doctor/signingCheck.ts';
import { checkTasks } from '../../agent/cli/doctor/tasksCheck.ts';
import { startIngestReceiver, type IngestReceiver } from '../../tools/demo/ingestReceiver.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { startFedGpsd, type LiveGpsd } from '../support/liveGpsd.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;

describe('tilsyn doctor', () => {
  let work: string;
  let broker: LocalBroker;
  /** gpsd fed live, a fix a second stamped with the current time (gpsfake's replayed times would put the clock off). */
  let gpsd: LiveGpsd;
  let ingest: IngestReceiver;
  let good: Record<string, unknown>;

  const writeConfig = (name: string, changes: Record<string, unknown>): string => {
    const file = path.join(work, `${name}.yaml`);
    writeFileSync(file, JSON.stringify({ ...good, ...changes }));
    return file;
  };
  // Asynchronous: the ingest receiver runs in this process and must keep answering while the doctor runs.
  const tilsyn = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'agent/main.ts', ...args], { cwd: repoRoot, timeout: 180_000 }, (err, stdout, stderr) =>
        resolve({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tilsyn-doctor-'));
    broker = await startLocalBroker(await freeLoopbackPort());
    gpsd = await startFedGpsd();
    ingest = await startIngestReceiver(path.join(work, 'ingest'), 'doctor-token');
    good = {
      vehicleId: 'doctor-bus',
      fleetId: 'doctor-fleet',
      dataDir: path.join(work, 'data'),
      gps: { source: 'gpsd', host: '127.0.0.1', port: gpsd.port },
      mqtt: { url: broker.url },
      camera: { source: 'test', fps: 5, width: 320, height: 240 },
      ingest: { url: ingest.url, token: 'doctor-token' },
      tasks: { publicKeys: [TEST_PUBLIC_KEY] },
    };
  }, 120_000);

  afterAll(async () => {
    await gpsd?.stop();
    await broker?.stop();
    await ingest?.stop();
  });

  it('passes against gpsd, a camera, Mosquitto, an ingest and the fetched models (JSON, exit 0)', async () => {
    const result = await tilsyn('doctor', '--config', writeConfig('good', {}), '--json', '--timeout-ms', '20000');
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: { name: string; status: string; detail: string }[] };
    expect(report.checks.map((c) => c.name)).toEqual(['gps', 'camera', 'broker', 'tasks', 'ingest', 'models', 'disk', 'clock', 'signing']);
    for (const c of report.checks.filter((x) => x.name !== 'clock' && x.name !== 'tasks')) expect(c.status, `${c.name}: ${c.detail}`).toBe('ok');
    // No agent has run against this broker: the tasks check can only say so.
    expect(report.checks.find((c) => c.name === 'tasks')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/no status on the broker/) });
    expect(report.checks.find((c) => c.name === 'gps')!.detail).toMatch(/[23]D fix 55\.\d+, 12\.\d+/);
    expect(report.ok).toBe(true);
    expect(result.status).toBe(0);
  }, 180_000);

  it('names the failing part in the table and exits 1', async () => {
    const result = await tilsyn('doctor', '--config', writeConfig('no-broker', { mqtt: { url: `mqtt://127.0.0.1:${await freeLoopbackPort()}` } }), '--timeout-ms', '20000');
    expect(result.stdout).toMatch(/^FAIL\s+broker\s+mqtt:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/m);
    expect(result.stdout).toContain('failed: broker');
    expect(result.status).toBe(1);
  }, 180_000);

  const missing: [string, () => Promise<Record<string, unknown>>, RegExp][] = [
    ['gps', async () => ({ gps: { source: 'gpsd', host: '127.0.0.1', port: await freeLoopbackPort() } }), /no position report/],
    ['camera', async () => ({ camera: { source: 'file', path: path.join(work, 'no-such-video.mp4'), fps: 5, width: 320, height: 240 } }), /no-such-video/],
    ['ingest', async () => ({ ingest: { url: `http://127.0.0.1:${await freeLoopbackPort()}`, token: 'doctor-token' } }), /ECONNREFUSED/],
    ['ingest', async () => ({ ingest: { url: ingest.url, token: 'wrong' } }), /token refused \(HTTP 401\)/],
    ['models', async () => ({ models: { dir: mkdtempSync(path.join(tmpdir(), 'tilsyn-no-models-')) } }), /is missing/],
  ];
  for (const [part, change, detail] of missing) {
    it(`with ${part} missing (${detail.source}), names ${part} and only ${part}`, async () => {
      const config = writeConfig(`no-${part}`, await change());
      const results = await runDoctor({ config, timeoutMs: 5_000 });
      const failed = results.filter((r) => r.status === 'fail');
      expect(failed.map((r) => r.name), JSON.stringify(results)).toEqual([part]);
      expect(failed[0]!.detail).toMatch(detail);
    }, 120_000);
  }

  it('a GPS time days ahead of the system clock fails the clock check, naming the skew', async () => {
    const ahead = await startFedGpsd(3 * 86_400_000);
    try {
      const config = loadConfig(writeConfig('clock-ahead', { gps: { source: 'gpsd', host: '127.0.0.1', port: ahead.port } }));
      const result = await checkClock({ config, logger: testLogger, timeoutMs: 10_000 });
      expect(result.status).toBe('fail');
      expect(result.detail).toMatch(/^system clock behind GPS time by 3\.0 d \(-2592\d\d s\), over clock\.maxSkewS 5 s: no frames are taken/);
    } finally {
      await ahead.stop();
    }
  }, 120_000);
  it('warns while unsigned tasks are allowed, and passes with a trusted key', async () => {
    const unsigned = loadConfig(writeConfig('unsigned', { tasks: { allowUnsigned: true } }));
    expect(await checkSigning({ config: unsigned, logger: testLogger, timeoutMs: 5_000 })).toEqual({
      name: 'signing',
      status: 'warn',
      detail: expect.stringContaining('unsigned tasks allowed'),
    });
    const keyed = loadConfig(writeConfig('keyed', {}));
    expect(await checkSigning({ config: keyed, logger: testLogger, timeoutMs: 5_000 })).toMatchObject({ status: 'ok' });
  });

  it('PicoDet missing only warns: the agent runs on YOLOX alone, and the detail says so', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-no-picodet-'));
    for (const m of readManifest()) if (!m.optional) symlinkSync(path.join(repoRoot, 'models', m.file), path.join(dir, m.file));
    const config = loadConfig(writeConfig('no-picodet', { models: { dir } }));
    const result = await checkModels({ config, logger: testLogger, timeoutMs: 5_000 });
    expect(result.status).toBe('warn');
    expect(result.detail).toMatch(/picodet_s_416_coco_legacy.*missing.*optional: the agent runs without it/s);
  }, 60_000);

  it('shows the tasks held against the manifest from the agent\'s retained status, and warns while some are missing', async () => {
    const config = loadConfig(writeConfig('tasks', { vehicleId: 'doctor-tasks-bus' }));
    const central = await mqtt.connectAsync(broker.url, { clientId: 'doctor-central' });
    const topic = 'tilsyn/v1/vehicle/doctor-tasks-bus/status';
    try {
      const status = (taskSync: object) => JSON.stringify({ state: 'online', health: 'ok', reasons: [], tasks: 4998, taskSync });
      await central.publishAsync(topic, status({ held: 4998, expected: 5000, missing: 2 }), { qos: 1, retain: true });
      expect(await checkTasks({ config, logger: testLogger, timeoutMs: 5_000 })).toEqual({
        name: 'tasks',
        status: 'warn',
        detail: '2 of 5000 assigned tasks missing, 4998 held',
      });
      await central.publishAsync(topic, status({ held: 5000, expected: 5000, missing: 0 }), { qos: 1, retain: true });
      expect(await checkTasks({ config, logger: testLogger, timeoutMs: 5_000 })).toEqual({ name: 'tasks', status: 'ok', detail: '5000 of 5000 assigned tasks held' });
    } finally {
      await central.publishAsync(topic, '', { qos: 1, retain: true });
      await central.endAsync();
    }
  }, 60_000);
});
