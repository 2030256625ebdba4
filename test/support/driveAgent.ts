// Files for an agent that drives the looping short fixture drive through one big task area (or several tasks over it)
// with the test camera and keeps every frame (keep: all), for the tests that spawn it again and again (crash safety,
// faults, disk quota, evidence at rest).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './agentProcess.ts';
import { signed, TEST_PUBLIC_KEY } from './tasks.ts';

export interface DriveAgentOptions {
  /** Names the task, the vehicle and the fleet. */
  readonly name: string;
  readonly revision: number;
  readonly dataDir: string;
  readonly brokerUrl: string;
  readonly ingestUrl: string;
  readonly token: string;
  readonly ingestTimeoutMs: number;
  readonly retryMaxMs: number;
  readonly logLevel?: string;
  /** Several tasks over the same area instead of the one `{name}-area`: each entry overrides fields of the task
   *  (an `id` at least), e.g. priority, retentionDays, keep. */
  readonly tasks?: readonly Record<string, unknown>[];
  /** Further config sections (storage, camera, …), replacing the defaults of the same name. */
  readonly config?: Record<string, unknown>;
}

/** The task the drive agent works on; `changes` override its fields. Its area covers the whole fixture drive. */
export function driveTask(name: string, revision: number, changes: Record<string, unknown> = {}): Record<string, unknown> {
  const nowMs = Date.now();
  return {
    id: `${name}-area`,
    revision,
    purpose: name,
    area: { type: 'Polygon', coordinates: [[[12.548, 55.686], [12.561, 55.686], [12.561, 55.694], [12.548, 55.694], [12.548, 55.686]]] },
    validFrom: new Date(nowMs - 3_600_000).toISOString(),
    validUntil: new Date(nowMs + 3_600_000).toISOString(),
    lookFor: ['car'],
    keep: 'all',
    retentionDays: 1,
    ...changes,
  };
}

/** Writes task.json and agent.yaml into `work`; returns the config file. */
export function writeDriveAgentFiles(work: string, o: DriveAgentOptions): string {
  const taskFiles = (o.tasks ?? [{}]).map((changes, i) => {
    const file = path.join(work, i === 0 ? 'task.json' : `task-${i}.json`);
    writeFileSync(file, JSON.stringify(signed(driveTask(o.name, o.revision, changes), { vehicleId: `${o.name}-bus` })));
    return file;
  });
  const configFile = path.join(work, 'agent.yaml');
  writeFileSync(
    configFile,
    JSON.stringify({
      vehicleId: `${o.name}-bus`,
      fleetId: `${o.name}-fleet`,
      dataDir: o.dataDir,
      gps: { source: 'nmea-file', path: path.join(repoRoot, 'fixtures/gps/short-drive.nmea'), speed: 4, loop: true },
      mqtt: { url: o.brokerUrl },
      camera: { source: 'test', fps: 5, width: 320, height: 240, armDistanceM: 100_000 },
      trigger: { everyM: 15 },
      ingest: { url: o.ingestUrl, token: o.token, timeoutMs: o.ingestTimeoutMs },
      upload: { idleMs: 100, retryMinMs: 200, retryMaxMs: o.retryMaxMs },
      tasks: { files: taskFiles, publicKeys: [TEST_PUBLIC_KEY] },
      ...(o.logLevel !== undefined ? { logLevel: o.logLevel } : {}),
      ...o.config,
    }),
  );
  return configFile;
}
