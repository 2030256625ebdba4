// Gathers how the vehicle is — from the GPS, camera, queue, uploads, models, disk and board — into one status
// message with a health verdict; the MQTT status and the Prometheus endpoint are both made from it.
import { diskSpaceOf, cpuTemperatureC } from '../adapters/systemProbe.ts';
import { judgeHealth, type HealthLimits } from '../core/status/health.ts';
import type { StatusMessage } from '../core/tasks/messages.ts';
import { isActive } from '../core/tasks/task.ts';
import type { TaskRegistry } from '../core/tasks/taskRegistry.ts';
import type { CameraCondition } from '../ports/camera.ts';
import type { Clock } from '../ports/clock.ts';
import type { CameraArmingStats } from './cameraArming.ts';
import type { CameraSupervisorStats } from './cameraSupervisor.ts';
import type { CaptureStats } from './captureStats.ts';
import type { GpsCondition } from './gpsMonitor.ts';
import type { TaskSyncDetail } from '../core/tasks/taskSync.ts';
import type { InferenceFigures } from './inferenceTimes.ts';
import type { UploadStats } from './uploadService.ts';

export interface StatusSources {
  readonly version: string;
  readonly vehicleId: string;
  /** The fleet the vehicle belongs to; the central side finds a fleet's vehicles by it. */
  readonly fleetId?: string;
  readonly startedAtMs: number;
  readonly dataDir: string;
  /** Where the kernel's thermal zones are; default /sys/class/thermal. */
  readonly thermalRoot?: string;
  readonly clock: Clock;
  readonly registry: TaskRegistry;
  gps(): GpsCondition;
  camera(): CameraCondition;
  arming(): CameraArmingStats;
  supervisor(): CameraSupervisorStats;
  queue(): { pending: number; bytes: number; parked: number };
  upload(): UploadStats;
  capture(): CaptureStats;
  inference(): InferenceFigures;
  /** What is unsafe in the configuration (e.g. "unsigned tasks allowed"); empty when nothing is. */
  warnings?(): string[];
  /** Assigned tasks against the manifests; null (or absent) while the vehicle has no manifest. */
  taskSync?(): TaskSyncDetail | null;
  /** Further counters carried along as they are (retention, …). */
  extra?(): Record<string, unknown>;
}

export type VehicleStatus = StatusMessage & Required<Pick<StatusMessage, 'health' | 'reasons' | 'uptimeS'>>;

export class StatusReport {
  constructor(
    private readonly sources: StatusSources,
    private readonly limits: HealthLimits,
  ) {}

  collect(): VehicleStatus {
    const s = this.sources;
    const nowMs = s.clock.nowMs();
    const uptimeMs = Math.max(0, nowMs - s.startedAtMs);
    const gps = s.gps();
    const arming = s.arming();
    const camera = s.camera();
    const supervisor = s.supervisor();
    const disk = diskSpaceOf(s.dataDir);
    const upload = s.upload();
    const capture = s.capture();
    const inference = s.inference();
    const sync = s.taskSync?.() ?? null;
    const verdict = judgeHealth(
      {
        uptimeMs,
        camera: { armed: arming.armed, state: camera.state, error: camera.error ?? supervisor.lastError, restartsInRow: supervisor.failuresInRow },
        gps: { connected: gps.connected, fixAgeMs: gps.fixAgeMs },
        disk: { freeBytes: disk?.freeBytes ?? null },
        taskSync: sync,
      },
      this.limits,
    );
    return {
      state: 'online',
      at: new Date(nowMs).toISOString(),
      version: s.version,
      vehicleId: s.vehicleId,
      ...(s.fleetId !== undefined ? { fleetId: s.fleetId } : {}),
      uptimeS: Math.round(uptimeMs / 1000),
      health: verdict.health,
      reasons: verdict.reasons,
      warnings: s.warnings?.() ?? [],
      tasks: s.registry.size,
      activeTasks: s.registry.all().filter((t) => isActive(t, nowMs)).length,
      ...(sync !== null ? { taskSync: { held: sync.held, expected: sync.expected, missing: sync.missing } } : {}),
      gps: {
        connected: gps.connected,
        mode: gps.mode,
        fixAgeS: gps.fixAgeMs === null ? null : Math.round(gps.fixAgeMs / 100) / 10,
        errorM: gps.errorM === null ? null : Math.round(gps.errorM * 10) / 10,
      },
      camera: {
        state: camera.state,
        armed: arming.armed,
        starts: arming.starts,
        onMs: arming.onMs,
        restarts: supervisor.restarts,
        lastError: camera.error ?? supervisor.lastError,
      },
      queue: s.queue(),
      upload: {
        uploaded: upload.uploaded,
        failedAttempts: upload.failedAttempts,
        parked: upload.parked,
        lastUploadAt: upload.lastUploadAtMs === null ? null : new Date(upload.lastUploadAtMs).toISOString(),
        lastError: upload.lastError,
      },
      detector: { p95Ms: inference.detectP95Ms, count: inference.detections },
      redaction: {
        p95Ms: inference.redactP95Ms,
        count: inference.redactions,
        failures: capture.framesDroppedRedactionFailed,
        deadlineMisses: capture.framesDroppedDeadline,
      },
      disk: disk === null ? null : { ...disk },
      cpuTempC: cpuTemperatureC(s.thermalRoot),
      capture: { ...capture, fixesRejectedBy: { ...capture.fixesRejectedBy }, triggerSkips: { ...capture.triggerSkips } },
      ...(s.extra?.() ?? {}),
    };
  }
}
