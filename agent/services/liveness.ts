// The watchdog's health check: false when the agent's main loop is stuck beyond its own repair — an inference that
// never returns (the capture chain waits on it forever) or an event loop that lags by seconds — so systemd restarts it.
// A failing camera or a missing gpsd is not "stuck": those are repaired in place and reported as degraded.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from 'pino';

export interface LivenessOptions {
  /** An inference running longer than this means the capture chain is hung. */
  readonly maxInferenceMs: number;
  /** An event-loop delay (p99 over the last check interval) above this means the loop is starved. Default 10 000. */
  readonly maxLoopDelayMs?: number;
}

/**
 * A hung model never returns: an inference running this long — well past any redaction deadline — means the chain
 * is stuck, and the watchdog lets systemd restart the agent.
 */
export function hungInferenceMs(redactionDeadlineMs: number): number {
  return Math.max(60_000, 10 * redactionDeadlineMs);
}

export class Liveness {
  private histogram: IntervalHistogram | null = null;
  private lastReason: string | null = null;

  constructor(
    private readonly options: LivenessOptions,
    private readonly longestInferenceMs: () => number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.histogram = monitorEventLoopDelay({ resolution: 20 });
    this.histogram.enable();
  }

  stop(): void {
    this.histogram?.disable();
    this.histogram = null;
  }

  /** Why the agent is stuck, or null when it is alive. */
  stuckReason(): string | null {
    const inferenceMs = this.longestInferenceMs();
    let reason: string | null = null;
    if (inferenceMs > this.options.maxInferenceMs) {
      reason = `an inference has been running for ${Math.round(inferenceMs / 1000)} s`;
    } else if (this.histogram !== null) {
      const delayMs = this.histogram.percentile(99) / 1e6;
      this.histogram.reset();
      if (delayMs > (this.options.maxLoopDelayMs ?? 10_000)) reason = `the event loop lagged ${Math.round(delayMs)} ms`;
    }
    if (reason !== null && reason !== this.lastReason) this.logger.error({ reason }, 'agent stuck');
    this.lastReason = reason;
    return reason;
  }

  /** For WatchdogService: ping only while alive. */
  healthy(): boolean {
    return this.stuckReason() === null;
  }
}
