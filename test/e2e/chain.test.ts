// The whole chain against real parts: Mosquitto, gpsd fed by gpsfake, a GStreamer camera over real street frames,
// the agent as its own process, SQLite, and an HTTP ingest. Redaction is judged from the uploaded pixels.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startIngestReceiver, type IngestReceiver } from '../../tools/demo/ingestReceiver.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import type { EvidenceMeta } from '../../agent/core/evidence/evidence.ts';
import { insideArea, type Area } from '../../agent/core/geo/geo.ts';
import { trackToNmea } from '../../agent/core/gps/nmea.ts';
import type { TaskAck } from '../../agent/ports/taskChannel.ts';
import { ANNOTATED_INPUTS, judgeRedaction, linkStreetFrames } from '../support/annotatedFrames.ts';
import { inspectDataDir } from '../support/dataDirImages.ts';
import { startGpsfake, type FakeGpsd } from '../support/gpsd.ts';
import { signed, signedWithdrawal, TEST_PUBLIC_KEY } from '../support/tasks.ts';
import { describeWithInputs } from '../support/inputs.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;

const TOKEN = 'e2e-token';
const PREFIX = 'tilsyn/v1';

const square = (lon1: number, lat1: number, lon2: number, lat2: number): Area => ({
  type: 'Polygon',
  coordinates: [[[lon1, lat1], [lon2, lat1], [lon2, lat2], [lon1, lat2], [lon1, lat1]]],
});
const window = () => ({ validFrom: new Date(Date.now() - 3_600_000).toISOString(), validUntil: new Date(Date.now() + 3_600_000).toISOString() });
const AREAS: Record<string, Area> = {
  // On the route of fixtures/gps/short-drive.geojson: the permit area, and a stretch further north-west.
  'permit-4711': square(12.553, 55.689, 12.556, 55.6905),
  'parking-north': square(12.5498, 55.6908, 12.5525, 55.6927),
  // Off the route.
  'worksite-amager': square(12.59, 55.66, 12.595, 55.663),
  // On the route, but looking for something no frame shows.
  'giraffes-4711': square(12.553, 55.689, 12.556, 55.6905),
};
const LOOK_FOR: Record<string, string[]> = {
  'permit-4711': ['car'],
  'parking-north': ['car', 'truck'],
  'worksite-amager': ['car'],
  'giraffes-4711': ['giraffe'],
};

interface Received {
  meta: EvidenceMeta;
  jpeg: Buffer;
}

describeWithInputs('end to end: GPS → task area → camera → detect → redact → queue → upload', ANNOTATED_INPUTS, () => {
  let work: string;
  let broker: LocalBroker;
  let gpsd: FakeGpsd;
  let ingest: IngestReceiver;
  let central: MqttClient;
  let agent: ChildProcess;
  let agentExit: Promise<number | null>;
  const acks: TaskAck[] = [];
  let withdrawnAtMs = 0;
  let received: Received[] = [];

  const evidence = (): Received[] =>
    readdirSync(path.join(work, 'ingest'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => {
        const meta = JSON.parse(readFileSync(path.join(work, 'ingest', f), 'utf8')) as EvidenceMeta;
        return { meta, jpeg: readFileSync(path.join(work, 'ingest', `${meta.id}.jpg`)) };
      });
  const countFor = (taskId: string) => evidence().filter((e) => e.meta.taskId === taskId).length;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tilsyn-e2e-'));
    // The camera's folder holds links to the annotated frames: inputs only, no copies of their pixels.
    const frames = linkStreetFrames(path.join(work, 'frames'));

    broker = await startLocalBroker(await freeLoopbackPort());
    // The drive of fixtures/gps/short-drive.geojson, there and back twelve times (about 5 minutes of feed, longer
    // than the test waits even on a loaded machine: gpsfake would loop, and a looped, older fix is not used),
    // stamped from now on (the agent uses no fix older than 2 s); gpsfake feeds it 5× faster than real time.
    const route = (JSON.parse(readFileSync(path.join(repoRoot, 'fixtures/gps/short-drive.geojson'), 'utf8')) as {
      geometry: { coordinates: [number, number][] };
    }).geometry.coordinates;
    const legs = [route, [...route].reverse().slice(1), route.slice(1), [...route].reverse().slice(1)].flat();
    const drive = Array.from({ length: 6 }, (_, i) => (i === 0 ? legs : legs.slice(1))).flat();
    writeFileSync(path.join(work, 'drive.nmea'), trackToNmea(drive, 40, Date.now()).text);
    gpsd = await startGpsfake(path.join(work, 'drive.nmea'), { cycleS: 0.1 });
    ingest = await startIngestReceiver(path.join(work, 'ingest'), TOKEN);

    central = await mqtt.connectAsync(broker.url, { clientId: 'central' });
    await central.subscribeAsync(`${PREFIX}/vehicle/e2e-bus/acks`, { qos: 1 });
    central.on('message', (_topic, payload) => acks.push(JSON.parse(payload.toString()) as TaskAck));
    for (const [id, area] of Object.entries(AREAS)) {
      const task = { id, revision: 1, purpose: `e2e ${id}`, area, ...window(), lookFor: LOOK_FOR[id], retentionDays: 1 };
      await central.publishAsync(`${PREFIX}/fleet/e2e-fleet/tasks/${id}`, JSON.stringify(signed(task, { fleetId: 'e2e-fleet' })), { qos: 1, retain: true });
    }

    const configFile = path.join(work, 'agent.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({
        vehicleId: 'e2e-bus',
        fleetId: 'e2e-fleet',
        dataDir: path.join(work, 'data'),
        gps: { source: 'gpsd', host: '127.0.0.1', port: gpsd.port },
        mqtt: { url: broker.url },
        camera: { source: 'file', path: frames, fps: 5, width: 1920, height: 1080 },
        ingest: { url: ingest.url, token: TOKEN },
        upload: { idleMs: 200 },
        tasks: { publicKeys: [TEST_PUBLIC_KEY] },
      }),
    );
    const log = path.join(work, 'agent.log');
    agent = spawn(process.execPath, ['--import', 'tsx', 'agent/main.ts', 'run', '--config', configFile], {
      cwd: repoRoot,
      env: { ...process.env, UV_THREADPOOL_SIZE: '16' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    agent.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    agent.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    agentExit = new Promise((resolve) =>
      agent.once('exit', (code) => {
        writeFileSync(log, output);
        resolve(code);
      }),
    );

    // Let the vehicle drive until both on-route tasks have evidence, then withdraw one of them.
    await until(() => countFor('permit-4711') >= 2 && countFor('parking-north') >= 1, 90_000, () => output);
    const withdrawal = signedWithdrawal('parking-north', 2, { fleetId: 'e2e-fleet' });
    await central.publishAsync(`${PREFIX}/fleet/e2e-fleet/tasks/parking-north`, JSON.stringify(withdrawal), { qos: 1, retain: true });
    await until(() => acks.some((a) => a.taskId === 'parking-north' && a.status === 'withdrawn'), 10_000, () => output);
    withdrawnAtMs = Date.now();
    // One leg of the drive takes 14 s: drive on through both areas at least once more.
    const before = countFor('permit-4711');
    await new Promise((r) => setTimeout(r, 16_000));
    await until(() => countFor('permit-4711') >= before + 2, 60_000, () => output);

    agent.kill('SIGTERM');
    // systemd gives the agent TimeoutStopSec (30 s) to stop; so does this test, then it shows what the agent did.
    const exitCode = await Promise.race([agentExit, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    if (exitCode === 'hung') {
      agent.kill('SIGKILL');
      throw new Error(`the agent did not stop within 30 s of SIGTERM; its output:\n${output.slice(-6000)}`);
    }
    expect(exitCode).toBe(0);
    received = evidence();
  }, 360_000);

  afterAll(async () => {
    if (agent && agent.exitCode === null) agent.kill('SIGKILL');
    await central?.endAsync();
    await ingest?.stop();
    await gpsd?.stop();
    await broker?.stop();
  });

  it('accepted every task', () => {
    expect(acks.filter((a) => a.status === 'accepted').map((a) => a.taskId).sort()).toEqual(Object.keys(AREAS).sort());
  });

  it('uploads evidence only from inside the task areas, and only for tasks whose target was seen', () => {
    expect(received.length).toBeGreaterThanOrEqual(5);
    for (const { meta } of received) {
      expect(['permit-4711', 'parking-north']).toContain(meta.taskId);
      expect(insideArea(meta, AREAS[meta.taskId]!)).toBe(true);
      expect(meta.found.map((f) => f.label)).toContain('car');
    }
  });

  it('stops capturing for a withdrawn task', () => {
    // A frame the trigger asked for just before the withdrawal arrived may still be taken (the camera hands out its
    // next frame, at most one frame interval later); nothing may be taken after that.
    const inFlightSlackMs = 1_000;
    const after = received.filter(
      (e) => e.meta.taskId === 'parking-north' && Date.parse(e.meta.capturedAt) > withdrawnAtMs + inFlightSlackMs,
    );
    expect(after).toEqual([]);
  });

  it('sends the metadata the central side relies on, matching the JPEG', () => {
    for (const { meta, jpeg } of received) {
      expect(meta).toMatchObject({ vehicleId: 'e2e-bus', fleetId: 'e2e-fleet', revision: 1, retentionDays: 1 });
      expect(new Date(meta.capturedAt).toISOString()).toBe(meta.capturedAt);
      expect(createHash('sha256').update(jpeg).digest('hex')).toBe(meta.sha256);
      expect(meta.models.map((m) => m.name)).toEqual(expect.arrayContaining(['yolox_nano_416_coco', 'yunet_n_dynamic', 'hyperlpr3_y5fu_640x_sim']));
      expect(typeof meta.speedKmh).toBe('number');
      expect(typeof meta.headingDeg).toBe('number');
    }
  });

  it('leaves no unredacted pixel on disk: evidence decrypts to a redacted JPEG, every other file is no image at all', async () => {
    const { evidence, others, problems } = await inspectDataDir(path.join(work, 'data'));
    expect(others).toContain('queue.sqlite');
    expect(problems).toEqual([]);
    for (const [id, jpeg] of evidence) expect((await judgeRedaction(jpeg)).unredacted, `queued evidence ${id}`).toEqual([]);
  });

  it('keeps an intact audit trail of the tasks accepted, and the evidence captured and uploaded', () => {
    const verify = spawnSync(process.execPath, ['--import', 'tsx', 'agent/main.ts', 'audit', 'verify', '--config', path.join(work, 'agent.yaml'), '--json'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(verify.status, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
    const db = new Database(path.join(work, 'data', 'queue.sqlite'), { readonly: true });
    const records = db.prepare('SELECT kind, task_id AS taskId, evidence_id AS evidenceId FROM audit').all() as { kind: string; taskId: string | null; evidenceId: string | null }[];
    db.close();
    const idsOf = (kind: string) => new Set(records.filter((r) => r.kind === kind).map((r) => r.evidenceId));
    for (const { meta } of received) {
      expect(idsOf('captured').has(meta.id)).toBe(true);
      expect(idsOf('uploaded').has(meta.id)).toBe(true);
    }
    expect(records.filter((r) => r.kind === 'task-accepted').map((r) => r.taskId).sort()).toEqual(Object.keys(AREAS).sort());
    expect(records.some((r) => r.kind === 'task-withdrawn' && r.taskId === 'parking-north')).toBe(true);
  });

  it('blurs every annotated face and plate in every uploaded frame, judged from the pixels', async () => {
    let judged = 0;
    for (const { meta, jpeg } of received) {
      const verdict = await judgeRedaction(jpeg);
      expect(verdict.meanDiff, `evidence ${meta.id} resembles none of the camera's frames`).toBeLessThan(8);
      expect((await sharp(jpeg).metadata()).exif).toBeUndefined();
      expect(verdict.unredacted, `evidence ${meta.id}`).toEqual([]);
      judged += verdict.judged;
    }
    expect(judged).toBeGreaterThan(0);
  });
});

async function until(check: () => boolean, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; agent output:\n${log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
