// Watches the GPS source for the status: the last fix's mode, age and error, and whether gpsd can be reached.
import type { Clock } from '../ports/clock.ts';
import type { Fix, GpsSource } from '../ports/gps.ts';

export interface GpsCondition {
  /** gpsd: connected now; null for a replayed file or before the first connection attempt ended. */
  readonly connected: boolean | null;
  /** Mode of the last fix received (0/1 none, 2 = 2D, 3 = 3D); null when none came yet. */
  readonly mode: number | null;
  /** Milliseconds since the last usable fix (mode 2 or 3) arrived; null when there never was one. */
  readonly fixAgeMs: number | null;
  /** Horizontal error of the last fix, metres, where the receiver reports one. */
  readonly errorM: number | null;
}

export class GpsMonitor {
  private lastFix: Fix | null = null;
  private lastUsableAtMs: number | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly gps: GpsSource,
    private readonly clock: Clock,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = this.gps.onFix((fix) => {
      this.lastFix = fix;
      if (fix.mode >= 2) this.lastUsableAtMs = this.clock.nowMs();
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  condition(): GpsCondition {
    const fix = this.lastFix;
    return {
      connected: this.gps.connected ?? null,
      mode: fix?.mode ?? null,
      fixAgeMs: this.lastUsableAtMs === null ? null : Math.max(0, this.clock.nowMs() - this.lastUsableAtMs),
      errorM: fix?.horizontalErrorM ?? null,
    };
  }
}
