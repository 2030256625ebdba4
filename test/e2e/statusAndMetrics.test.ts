// The agent as its own process against a real Mosquitto: the retained status arrives with every figure the central
// side relies on and validates against the published schema; the loopback Prometheus endpoint answers over real HTTP.
// With tasks and a camera over a street photo, the status carries the answers of each model per task.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { readManifest } from '../../agent/adapters/modelFiles.ts';
import { statusSchema, type StatusMessage } from '../../agent/core/tasks/messages.ts';
import { repoRoot, startAgent } from '../support/agentProcess.ts';
import { signed, TEST_PUBLIC_KEY } from '../support/tasks.ts';
import { assertInputs } from '../support/inputs.ts';

const modelsDir = path.join(repoRoot, 'models');
const photo = path.join(repoRoot, '../shared/samples/hyperlpr_test_img.jpg');
const YOLOX = 'yolox_nano_416_coco';
const PICODET = 'picodet_s_416_coco_legacy';

/** A models folder holding every manifest model but PicoDet (links to the fetched files). */
function modelsWithoutPicodet(work: string): string {
  const dir = path.join(work, 'models-no-picodet');
  mkdirSync(dir);
  for (const m of readManifest()) if (m.name !== PICODET) symlinkSync(path.join(modelsDir, m.file), path.join(dir, m.file));
  return dir;
}

async function until<T>(get: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('status and metrics of a running agent', () => {
  let work: string;
  let broker: LocalBroker;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tilsyn-status-'));
    broker = await startLocalBroker(await freeLoopbackPort());
  }, 60_000);

  afterAll(async () => {
    await broker?.stop();
  });

  it('publishes a retained status that validates and carries every figure; /metrics on loopback has the same', async () => {
    const metricsPort = await freeLoopbackPort();
    const configFile = path.join(work, 'agent.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({
        vehicleId: 'status-bus',
        fleetId: 'status-fleet',
        dataDir: path.join(work, 'data'),
        gps: { source: 'nmea-file', path: path.join(repoRoot, 'fixtures/gps/short-drive.nmea'), loop: true },
        mqtt: { url: broker.url },
        camera: { source: 'test', fps: 2, width: 320, height: 240 },
        ingest: { url: 'http://127.0.0.1:9/', token: 't' },
        status: { intervalS: 5 },
        metrics: { port: metricsPort },
        tasks: { publicKeys: [TEST_PUBLIC_KEY] },
        // Without the PicoDet file the agent runs on YOLOX alone, and says so.
        models: { dir: modelsWithoutPicodet(work) },
      }),
    );
    const central = await mqtt.connectAsync(broker.url, { clientId: 'central-status' });
    const statuses: StatusMessage[] = [];
    central.on('message', (_topic, payload) => statuses.push(JSON.parse(payload.toString()) as StatusMessage));
    await central.subscribeAsync('tilsyn/v1/vehicle/status-bus/status', { qos: 1 });

    const { child, exit, output } = startAgent(configFile);
    try {
      // The first status comes at start; a later one has seen fixes from the replayed drive.
      const status = await until(() => statuses.find((s) => s.state === 'online' && s.gps?.mode !== null), 150_000, () => output());
      const parsed = statusSchema.safeParse(status);
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
      expect(status).toMatchObject({
        state: 'online',
        vehicleId: 'status-bus',
        version: expect.any(String),
        health: 'ok',
        reasons: [],
        warnings: [],
        tasks: 0,
        activeTasks: 0,
        gps: { connected: null, mode: expect.any(Number) },
        camera: { state: 'off', armed: false, onMs: 0, restarts: 0 },
        queue: { pending: 0, bytes: 0 },
        upload: { uploaded: 0, lastUploadAt: null },
        detector: { p95Ms: null, count: 0 },
        redaction: { failures: 0 },
        disk: { freeBytes: expect.any(Number), totalBytes: expect.any(Number) },
        routing: { unsureMargin: 0.1, models: [{ name: YOLOX, costMs: expect.any(Number) }], missing: [PICODET], tasks: {} },
      });
      expect(output()).toContain('second-opinion model not loaded');
      expect(status.uptimeS).toBeGreaterThanOrEqual(0);
      expect(status.gps!.fixAgeS).toBeLessThan(10);
      expect(status).toHaveProperty('cpuTempC');
      expect(Date.parse(status.at!)).toBeGreaterThan(Date.now() - 60_000);

      // A status arrives again within the interval (5 s), not only at start.
      const count = statuses.length;
      await until(() => (statuses.length > count ? true : undefined), 20_000, () => `no status after the first ${count}\n${output()}`);

      // Retained: a central side that connects later gets the current status at once.
      const late = await mqtt.connectAsync(broker.url, { clientId: 'central-late' });
      try {
        const retained = new Promise<boolean>((resolve) => late.once('message', (_t, _p, packet) => resolve(packet.retain)));
        await late.subscribeAsync('tilsyn/v1/vehicle/status-bus/status', { qos: 1 });
        expect(await retained).toBe(true);
      } finally {
        await late.endAsync();
      }

      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      const value = (name: string) => {
        const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
        return line === undefined ? undefined : Number(line.split(' ').pop());
      };
      expect(value('tilsyn_health_ok')).toBe(1);
      expect(value('tilsyn_uptime_seconds')).toBeGreaterThanOrEqual(0);
      expect(value('tilsyn_tasks_held')).toBe(0);
      expect(value('tilsyn_queue_items')).toBe(0);
      expect(value('tilsyn_queue_bytes')).toBe(0);
      expect(value('tilsyn_uploads_total')).toBe(0);
      expect(value('tilsyn_redaction_failures_total')).toBe(0);
      expect(value('tilsyn_observations_waiting')).toBe(0);
      expect(value('tilsyn_observations_dropped_total')).toBe(0);
      expect(value('tilsyn_evidence_deleted_total')).toBe(0);
      expect(value('tilsyn_camera_on_seconds_total')).toBe(0);
      expect(value('tilsyn_gps_fix_mode')).toBeGreaterThanOrEqual(2);
      expect(value('tilsyn_disk_free_bytes')).toBeGreaterThan(0);
      expect(text).toContain('tilsyn_camera_state{state="off"} 1');
      expect(text).toMatch(/tilsyn_info\{version="[^"]+",vehicle_id="status-bus"\} 1/);
      // Unknown figures are left out, not reported as 0: no detection has run, no gpsd connection exists.
      expect(value('tilsyn_detector_p95_milliseconds')).toBeUndefined();
      expect(value('tilsyn_gps_connected')).toBeUndefined();
      // Loopback only.
      expect(output()).toContain(`"url":"http://127.0.0.1:${metricsPort}/metrics"`);

      child.kill('SIGTERM');
      expect((await exit).code).toBe(0);
      await until(() => (statuses.at(-1)?.state === 'offline' ? true : undefined), 10_000, () => output());
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await central.endAsync();
    }
  }, 240_000);

  it(
    "publishes each model's answers per task: asked = found + not found + unsure, escalations = PicoDet's questions",
    async () => {
      assertInputs(photo, path.join(modelsDir, `${PICODET}.onnx`));
      const metricsPort = await freeLoopbackPort();
      const framesDir = path.join(work, 'frames');
      mkdirSync(framesDir);
      symlinkSync(photo, path.join(framesDir, 'street.jpg'));
      const nowMs = Date.now();
      const task = (id: string, lookFor: string[], minConfidence: number) => {
        const file = path.join(work, `${id}.json`);
        writeFileSync(
          file,
          JSON.stringify(signed({
            id,
            revision: 1,
            purpose: id,
            area: { type: 'Polygon', coordinates: [[[12.548, 55.686], [12.561, 55.686], [12.561, 55.694], [12.548, 55.694], [12.548, 55.686]]] },
            validFrom: new Date(nowMs - 3_600_000).toISOString(),
            validUntil: new Date(nowMs + 3_600_000).toISOString(),
            lookFor,
            minConfidence,
            keep: 'none',
            retentionDays: 1,
          }, { vehicleId: 'routing-bus' })),
        );
        return file;
      };
      const configFile = path.join(work, 'routing.yaml');
      writeFileSync(
        configFile,
        JSON.stringify({
          vehicleId: 'routing-bus',
          fleetId: 'status-fleet',
          dataDir: path.join(work, 'routing-data'),
          gps: { source: 'nmea-file', path: path.join(repoRoot, 'fixtures/gps/short-drive.nmea'), speed: 4, loop: true },
          mqtt: { url: broker.url },
          camera: { source: 'file', path: framesDir, fps: 2, width: 1920, height: 1080, armDistanceM: 100_000 },
          trigger: { everyM: 15 },
          ingest: { url: 'http://127.0.0.1:9/', token: 't' },
          status: { intervalS: 5 },
          metrics: { port: metricsPort },
          // YOLOX scores this photo's bicycles about 0.52: inside 0.5 ± 0.06, so PicoDet is asked.
          models: { unsureMargin: 0.06 },
          tasks: { files: [task('bicycles', ['bicycle'], 0.5), task('cars', ['car'], 0.4)], publicKeys: [TEST_PUBLIC_KEY] },
        }),
      );
      const central = await mqtt.connectAsync(broker.url, { clientId: 'central-routing' });
      const statuses: StatusMessage[] = [];
      central.on('message', (_topic, payload) => statuses.push(JSON.parse(payload.toString()) as StatusMessage));
      await central.subscribeAsync('tilsyn/v1/vehicle/routing-bus/status', { qos: 1 });
      const agent = startAgent(configFile);
      try {
        const asked = (s: StatusMessage, task: string) => s.routing?.tasks[task]?.models[YOLOX]?.asked ?? 0;
        const status = await until(
          () => {
            if (agent.child.exitCode !== null) throw new Error(`the agent exited:\n${agent.output()}`);
            return statuses.find((s) => asked(s, 'bicycles') >= 2 && asked(s, 'cars') >= 2);
          },
          150_000,
          agent.output,
        );
        const parsed = statusSchema.safeParse(status);
        expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
        const routing = status.routing!;
        expect(routing.models.map((m) => m.name)).toEqual([YOLOX, PICODET]);
        expect(routing.missing).toEqual([]);
        for (const taskId of ['bicycles', 'cars']) {
          const { outcomes, models } = routing.tasks[taskId]!;
          const y = models[YOLOX]!;
          for (const c of Object.values(models)) expect(c.found + c.notFound + c.unsure).toBe(c.asked);
          expect(models[PICODET]?.asked ?? 0).toBe(y.escalated);
          expect(outcomes.found + outcomes.not_found + outcomes.uncertain).toBe(y.asked);
          expect(y.ms).toBeGreaterThan(0);
        }
        // The car (YOLOX ≈ 0.9) is sure at 0.4 ± 0.06; the bicycles are not, so PicoDet answered for them.
        expect(routing.tasks.cars!.models[YOLOX]).toMatchObject({ found: asked(status, 'cars'), escalated: 0 });
        expect(routing.tasks.bicycles!.models[PICODET]!.asked).toBeGreaterThanOrEqual(1);

        // Why frames were not taken is counted too: the first fixes of a pass only enter the area.
        const capture = status['capture'] as { triggerSkips: Record<string, number>; fixesRejectedBy: Record<string, number> };
        expect(capture.triggerSkips.entering).toBeGreaterThanOrEqual(1);
        expect(Object.keys(capture.fixesRejectedBy).sort()).toEqual(['inaccurate', 'no-fix', 'out-of-order', 'stale']);

        const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        expect(text).toMatch(/tilsyn_trigger_skips_total\{reason="entering"\} [1-9]/);
        expect(text).toMatch(/tilsyn_model_asked_total\{task="bicycles",model="yolox_nano_416_coco"\} [1-9]/);
        expect(text).toMatch(/tilsyn_model_escalated_total\{task="bicycles",model="yolox_nano_416_coco"\} [1-9]/);
        expect(text).toMatch(/tilsyn_model_answers_total\{task="cars",model="yolox_nano_416_coco",answer="found"\} [1-9]/);
        expect(text).toMatch(/tilsyn_task_outcomes_total\{task="cars",outcome="found"\} [1-9]/);

        agent.child.kill('SIGTERM');
        expect((await agent.exit).code).toBe(0);
      } finally {
        if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
        await central.endAsync();
      }
    },
    240_000,
  );
});
