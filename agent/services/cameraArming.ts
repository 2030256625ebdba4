// Keeps the camera off unless an active task's area is near: started when one comes within reach, stopped when
// none is, so outside task areas the camera is not running at all. Counts how long it was on.
import type { Logger } from 'pino';
import type { TaskRegistry } from '../core/tasks/taskRegistry.ts';
import type { Trigger } from '../core/trigger/trigger.ts';
import type { Camera } from '../ports/camera.ts';
import type { Clock } from '../ports/clock.ts';
import type { Fix, GpsSource } from '../ports/gps.ts';

export interface CameraArmingOptions {
  /** Start the camera when an active area is this close. */
  readonly armDistanceM: number;
  /** … or reachable within this many seconds at the current speed. */
  readonly armSeconds: number;
  /** Extra distance before the camera is stopped again, so it does not flap at the edge of reach. Default 50. */
  readonly disarmMarginM?: number;
}

/** A camera started at the edge of reach stays on until the area is this much farther away. */
const DEFAULT_DISARM_MARGIN_M = 50;

export interface CameraArmingStats {
  armed: boolean;
  starts: number;
  /** Total time the camera ran, including the current stretch. */
  onMs: number;
}

export class CameraArming {
  private armedSinceMs: number | null = null;
  private closedOnMs = 0;
  private starts = 0;
  private unsubscribe: (() => void) | null = null;
  private signal: AbortSignal = new AbortController().signal;
  /** Camera starts and stops run one after another, never interleaved. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: CameraArmingOptions,
    private readonly deps: {
      readonly gps: GpsSource;
      readonly registry: TaskRegistry;
      readonly trigger: Trigger;
      readonly camera: Camera;
      readonly clock: Clock;
      readonly logger: Logger;
    },
  ) {}

  async start(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    this.unsubscribe = this.deps.gps.onFix((fix) => this.onFix(fix));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.chain;
    if (this.armedSinceMs !== null) await this.disarm('agent stopping');
  }

  stats(): CameraArmingStats {
    const nowMs = this.deps.clock.nowMs();
    return {
      armed: this.armedSinceMs !== null,
      starts: this.starts,
      onMs: this.closedOnMs + (this.armedSinceMs === null ? 0 : nowMs - this.armedSinceMs),
    };
  }

  /**
   * Restarts a camera that should be running (a supervisor's repair), in turn with arming and disarming, so a
   * restart can never start a camera that was meanwhile stopped for being out of reach. Resolves when done.
   */
  restart(reason: string): Promise<void> {
    this.enqueue(async () => {
      if (this.armedSinceMs === null || this.signal.aborted) return;
      this.deps.logger.warn({ reason }, 'restarting camera');
      await this.deps.camera.stop();
      await this.deps.camera.start(this.signal);
    });
    return this.chain;
  }

  private onFix(fix: Fix): void {
    if (fix.mode < 2 || this.signal.aborted) return;
    const { trigger, registry, clock } = this.deps;
    trigger.follow(registry);
    const reachM = Math.max(this.options.armDistanceM, (fix.speedMps ?? 0) * this.options.armSeconds);
    const nowMs = clock.nowMs();
    if (this.armedSinceMs === null) {
      if (trigger.activeAreaWithin(fix, reachM, nowMs)) this.enqueue(() => this.arm());
    } else if (!trigger.activeAreaWithin(fix, reachM + (this.options.disarmMarginM ?? DEFAULT_DISARM_MARGIN_M), nowMs)) {
      this.enqueue(() => this.disarm('no active task area within reach'));
    }
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((err: Error) => this.deps.logger.error({ err: err.message }, 'camera arming failed'));
  }

  private async arm(): Promise<void> {
    if (this.armedSinceMs !== null) return;
    this.armedSinceMs = this.deps.clock.nowMs();
    this.starts += 1;
    this.deps.logger.info('task area near: camera started');
    await this.deps.camera.start(this.signal);
  }

  private async disarm(reason: string): Promise<void> {
    if (this.armedSinceMs === null) return;
    this.closedOnMs += this.deps.clock.nowMs() - this.armedSinceMs;
    this.armedSinceMs = null;
    this.deps.logger.info({ reason }, 'camera stopped');
    await this.deps.camera.stop();
  }
}
