// Judges whether the vehicle is "ok" or "degraded", and why, from what its parts report. Pure: no I/O, no clock.
export type Health = 'ok' | 'degraded';

export type CameraState = 'off' | 'starting' | 'running' | 'failed';

export interface HealthInput {
  readonly uptimeMs: number;
  readonly camera: {
    /** The camera should be running (a task area is near). */
    readonly armed: boolean;
    readonly state: CameraState;
    readonly error: string | null;
    /** Restarts since the camera last delivered: while > 0 a "starting" camera is still the failing one. */
    readonly restartsInRow: number;
  };
  readonly gps: {
    /** false when the daemon cannot be reached; null for sources without a connection (a replayed file). */
    readonly connected: boolean | null;
    /** Age of the last usable fix (mode 2 or 3); null when there never was one. */
    readonly fixAgeMs: number | null;
  };
  readonly disk: { readonly freeBytes: number | null };
  /** Assigned tasks against the manifests; absent without a manifest. */
  readonly taskSync?: {
    readonly expected: number;
    readonly missing: number;
    readonly notOnBroker: number;
    readonly refused: number;
  } | null;
}

export interface HealthLimits {
  /** No usable fix for longer than this is degraded (also right after start, once this long has passed). */
  readonly noFixMs: number;
  /** Less free disk than this on the data folder's file system is degraded. */
  readonly minFreeBytes: number;
}

export interface HealthVerdict {
  readonly health: Health;
  /** Short sentences, one per problem; empty when ok. */
  readonly reasons: string[];
}

export function judgeHealth(input: HealthInput, limits: HealthLimits): HealthVerdict {
  const reasons: string[] = [];
  const { camera, gps, disk } = input;
  const failing = camera.state === 'failed' || (camera.restartsInRow > 0 && camera.state !== 'running');
  if (camera.armed && failing) reasons.push(`camera failing: ${camera.error ?? 'no frames'}`);
  if (gps.connected === false) {
    reasons.push('gpsd unreachable');
  } else if (gps.fixAgeMs === null ? input.uptimeMs > limits.noFixMs : gps.fixAgeMs > limits.noFixMs) {
    const forS = Math.round((gps.fixAgeMs ?? input.uptimeMs) / 1000);
    reasons.push(gps.fixAgeMs === null ? `no GPS fix since start (${forS} s)` : `no GPS fix for ${forS} s`);
  }
  if (disk.freeBytes !== null && disk.freeBytes < limits.minFreeBytes) {
    reasons.push(`disk nearly full: ${Math.round(disk.freeBytes / 1024 ** 2)} MiB free`);
  }
  const sync = input.taskSync;
  if (sync !== undefined && sync !== null) {
    if (sync.missing > 0) {
      const absent = sync.notOnBroker > 0 ? ` (${sync.notOnBroker} not on the broker)` : '';
      reasons.push(`tasks missing: ${sync.missing} of ${sync.expected} assigned not held${absent}`);
    }
    if (sync.refused > 0) reasons.push(`tasks refused: ${sync.refused} assigned task(s) rejected (see their acks)`);
  }
  return { health: reasons.length === 0 ? 'ok' : 'degraded', reasons };
}
