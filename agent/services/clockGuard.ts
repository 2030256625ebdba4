// Checks the system clock against the receiver time of each GPS fix: while they differ by more than clock.maxSkewS
// nothing is captured, and the status says by how much. Task windows, retention and audit times all come from the
// system clock, which on a board without an RTC that booted in a dead zone can be days off.
import type { Logger } from 'pino';
import { clockSkewMs, describeSkew, isSkewed } from '../core/time/clockSkew.ts';
import type { Clock } from '../ports/clock.ts';
import type { GpsSource } from '../ports/gps.ts';

export interface ClockCondition {
  /** System clock minus GPS time at the last real fix, ms; null before the first one. */
  readonly skewMs: number | null;
  /** The limit (clock.maxSkewS), ms. */
  readonly maxSkewMs: number;
  /** True while the skew is over the limit: no frame is taken. */
  readonly skewed: boolean;
}

export class ClockGuard {
  private skewMs: number | null = null;
  private unsubscribe: (() => void) | null = null;
  private wasSkewed = false;

  constructor(
    private readonly options: { readonly maxSkewMs: number },
    private readonly gps: GpsSource,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = this.gps.onFix((fix) => {
      // Only a real fix carries the receiver's time; without one gpsd may stamp its own.
      if (fix.mode < 2 || !Number.isFinite(fix.timeMs)) return;
      this.skewMs = clockSkewMs(this.clock.nowMs(), fix.timeMs);
      const skewed = this.skewed();
      if (skewed !== this.wasSkewed) {
        if (skewed) this.logger.error({ skewMs: this.skewMs }, `${describeSkew(this.skewMs)}: no frames until the clocks agree`);
        else this.logger.info({ skewMs: this.skewMs }, 'system clock agrees with GPS time again');
        this.wasSkewed = skewed;
      }
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** False while the system clock and GPS time disagree by more than the limit. */
  usable(): boolean {
    return !this.skewed();
  }

  condition(): ClockCondition {
    return { skewMs: this.skewMs, maxSkewMs: this.options.maxSkewMs, skewed: this.skewed() };
  }

  private skewed(): boolean {
    return isSkewed(this.skewMs, this.options.maxSkewMs);
  }
}
