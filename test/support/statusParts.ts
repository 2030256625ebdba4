// A StatusReport for tests: the parts a test cares about are real, the rest stand still at their idle values.
import { tmpdir } from 'node:os';
import { TaskRegistry } from '../../agent/core/tasks/taskRegistry.ts';
import { systemClock } from '../../agent/ports/clock.ts';
import { emptyCaptureStats } from '../../agent/services/captureStats.ts';
import { InferenceTimes } from '../../agent/services/inferenceTimes.ts';
import { StatusReport, type StatusSources } from '../../agent/services/statusReport.ts';

export function statusReportFor(parts: Partial<StatusSources>, limits = { noFixMs: 60_000, minFreeBytes: 0 }): StatusReport {
  const inference = new InferenceTimes(systemClock);
  const capture = emptyCaptureStats();
  return new StatusReport(
    {
      version: 'test',
      vehicleId: 'sweeper-07',
      startedAtMs: Date.now(),
      dataDir: tmpdir(),
      clock: systemClock,
      registry: new TaskRegistry(),
      gps: () => ({ connected: null, mode: 3, fixAgeMs: 0, errorM: 5 }),
      camera: () => ({ state: 'off', error: null, lastFrameAtMs: null }),
      arming: () => ({ armed: false, starts: 0, onMs: 0 }),
      supervisor: () => ({ restarts: 0, failuresInRow: 0, lastError: null }),
      queue: () => ({ pending: 0, bytes: 0, parked: 0 }),
      upload: () => ({ uploaded: 0, failedAttempts: 0, parked: 0, lastUploadAtMs: null, lastError: null }),
      capture: () => capture,
      inference: () => inference.figures(),
      ...parts,
    },
    limits,
  );
}
