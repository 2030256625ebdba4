// The agent as its own process against a real Mosquitto: the retained status arrives with every figure the central
// side relies on and validates against the published schema; the loopback Prometheus endpoint answers over real HTTP.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalBroker, type LocalBroker } from '../../agent/cli/localBroker.ts';
import { freeLoopbackPort } from '../../agent/cli/loopback.ts';
import { statusSchema, type StatusMessage } from '../../agent/core/messages.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;

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
      }),
    );
    const central = await mqtt.connectAsync(broker.url, { clientId: 'central-status' });
    const statuses: StatusMessage[] = [];
    central.on('message', (_topic, payload) => statuses.push(JSON.parse(payload.toString()) as StatusMessage));
    await central.subscribeAsync('tilsyn/v1/vehicle/status-bus/status', { qos: 1 });

    const child = spawn(process.execPath, ['--import', 'tsx', 'agent/main.ts', 'run', '--config', configFile], {
      cwd: repoRoot,
      env: { ...process.env, UV_THREADPOOL_SIZE: '8' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // The first status comes at start; a later one has seen fixes from the replayed drive.
      const status = await until(() => statuses.find((s) => s.state === 'online' && s.gps?.mode !== null), 150_000, () => output);
      const parsed = statusSchema.safeParse(status);
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
      expect(status).toMatchObject({
        state: 'online',
        vehicleId: 'status-bus',
        version: expect.any(String),
        health: 'ok',
        reasons: [],
        tasks: 0,
        activeTasks: 0,
        gps: { connected: null, mode: expect.any(Number) },
        camera: { state: 'off', armed: false, onMs: 0, restarts: 0 },
        queue: { pending: 0, bytes: 0 },
        upload: { uploaded: 0, lastUploadAt: null },
        detector: { p95Ms: null, count: 0 },
        redaction: { failures: 0 },
        disk: { freeBytes: expect.any(Number), totalBytes: expect.any(Number) },
      });
      expect(status.uptimeS).toBeGreaterThanOrEqual(0);
      expect(status.gps!.fixAgeS).toBeLessThan(10);
      expect(status).toHaveProperty('cpuTempC');
      expect(Date.parse(status.at!)).toBeGreaterThan(Date.now() - 60_000);

      // A status arrives again within the interval (5 s), not only at start.
      const count = statuses.length;
      await until(() => (statuses.length > count ? true : undefined), 20_000, () => `no status after the first ${count}\n${output}`);

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
      expect(output).toContain(`"url":"http://127.0.0.1:${metricsPort}/metrics"`);

      child.kill('SIGTERM');
      expect(await exit).toBe(0);
      await until(() => (statuses.at(-1)?.state === 'offline' ? true : undefined), 10_000, () => output);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await central.endAsync();
    }
  }, 240_000);
});
