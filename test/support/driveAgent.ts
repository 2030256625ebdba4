// Files for an agent that drives the looping short fixture drive through one big task area with the test camera and
// keeps every frame (keep: all), for the tests that spawn it again and again (crash safety, faults).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './agentProcess.ts';

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
}

/** Writes task.json and agent.yaml into `work`; returns the config file. */
export function writeDriveAgentFiles(work: string, o: DriveAgentOptions): string {
  const nowMs = Date.now();
  const taskFile = path.join(work, 'task.json');
  writeFileSync(
    taskFile,
    JSON.stringify({
      id: `${o.name}-area`,
      revision: o.revision,
      purpose: o.name,
      area: { type: 'Polygon', coordinates: [[[12.548, 55.686], [12.561, 55.686], [12.561, 55.694], [12.548, 55.694], [12.548, 55.686]]] },
      validFrom: new Date(nowMs - 3_600_000).toISOString(),
      validUntil: new Date(nowMs + 3_600_000).toISOString(),
      lookFor: ['car'],
      keep: 'all',
      retentionDays: 1,
    }),
  );
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
      tasks: { files: [taskFile] },
      ...(o.logLevel !== undefined ? { logLevel: o.logLevel } : {}),
    }),
  );
  return configFile;
}
