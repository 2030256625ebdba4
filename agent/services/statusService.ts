// Publishes the vehicle's retained status at start, every status.intervalS, and at once when its health changes,
// so the central side hears of a failing camera or a lost gpsd within seconds rather than at the next interval.
import type { Logger } from 'pino';
import type { TaskChannel } from '../ports/taskChannel.ts';

export interface StatusServiceOptions {
  readonly intervalMs: number;
  /** How often health is looked at between the regular publications. Default min(intervalMs, 5000). */
  readonly checkEveryMs?: number;
}

export class StatusService {
  private timer: NodeJS.Timeout | null = null;
  private lastPublishedAtMs = 0;
  private lastHealth = '';

  constructor(
    private readonly options: StatusServiceOptions,
    private readonly channel: TaskChannel,
    private readonly snapshot: () => Record<string, unknown>,
    private readonly logger: Logger,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    this.tick(true);
    this.timer = setInterval(() => this.tick(false), this.options.checkEveryMs ?? Math.min(this.options.intervalMs, 5_000));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(force: boolean): void {
    let status: Record<string, unknown>;
    try {
      status = { state: 'online', ...this.snapshot() };
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'status could not be gathered');
      return;
    }
    const health = JSON.stringify([status['health'], status['reasons']]);
    const changed = health !== this.lastHealth;
    const due = this.nowMs() - this.lastPublishedAtMs >= this.options.intervalMs;
    if (!force && !changed && !due) return;
    if (changed && !force) this.logger.warn({ health: status['health'], reasons: status['reasons'] }, 'health changed');
    this.lastHealth = health;
    this.lastPublishedAtMs = this.nowMs();
    this.channel
      .publishStatus(status)
      .catch((err: Error) => this.logger.debug({ err: err.message }, 'status not published'));
  }
}
