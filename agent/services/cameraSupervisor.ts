// Keeps an armed camera alive: a source that failed or stalled (no frame for camera.watchdogMs, which the camera
// itself reports as failed) is restarted with growing pauses, and counted, instead of the agent giving up or dying.
import type { Logger } from 'pino';
import { backoffDelayMs, type BackoffOptions } from '../core/time/backoff.ts';
import type { CameraCondition } from '../ports/camera.ts';
import type { Clock } from '../ports/clock.ts';

export interface CameraSupervisorOptions {
  /** How often the camera's condition is looked at. Default 1000. */
  readonly checkEveryMs?: number;
  /** Pause before the first restart, doubling per failed restart up to maxMs. Default 1 s … 60 s. */
  readonly backoff?: BackoffOptions;
}

export interface CameraSupervisorStats {
  restarts: number;
  /** Restarts in a row without a frame in between; 0 while the camera delivers. */
  failuresInRow: number;
  lastError: string | null;
}

export interface SupervisedCamera {
  condition(): CameraCondition;
}

export interface CameraRestarter {
  /** Whether the camera should be running now. */
  stats(): { armed: boolean };
  restart(reason: string): Promise<void>;
}

export class CameraSupervisor {
  readonly stats: CameraSupervisorStats = { restarts: 0, failuresInRow: 0, lastError: null };
  private timer: NodeJS.Timeout | null = null;
  private restartAtMs: number | null = null;
  private restarting: Promise<void> | null = null;

  constructor(
    private readonly options: CameraSupervisorOptions,
    private readonly camera: SupervisedCamera,
    private readonly arming: CameraRestarter,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
  ) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => this.check(), this.options.checkEveryMs ?? 1_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.restarting;
  }

  private check(): void {
    if (this.restarting !== null) return;
    const condition = this.camera.condition();
    if (condition.state === 'running') {
      if (this.stats.failuresInRow > 0) this.logger.info({ restarts: this.stats.restarts }, 'camera delivers frames again');
      this.stats.failuresInRow = 0;
      this.restartAtMs = null;
      return;
    }
    if (condition.state !== 'failed' || !this.arming.stats().armed) {
      this.restartAtMs = null;
      return;
    }
    this.stats.lastError = condition.error;
    const nowMs = this.clock.nowMs();
    if (this.restartAtMs === null) {
      const backoff = this.options.backoff ?? { minMs: 1_000, maxMs: 60_000 };
      const delayMs = backoffDelayMs(this.stats.failuresInRow + 1, backoff, this.random());
      this.restartAtMs = nowMs + delayMs;
      this.logger.warn({ err: condition.error, restartInMs: delayMs, failuresInRow: this.stats.failuresInRow }, 'camera failed');
      return;
    }
    if (nowMs < this.restartAtMs) return;
    this.restartAtMs = null;
    this.stats.failuresInRow += 1;
    this.stats.restarts += 1;
    this.restarting = this.arming
      .restart(condition.error ?? 'camera failed')
      .catch((err: Error) => this.logger.error({ err: err.message }, 'camera restart failed'))
      .finally(() => {
        this.restarting = null;
      });
  }
}
