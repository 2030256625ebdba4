// Pings the systemd watchdog while the agent is alive; a blocked event loop or a failing health check stops the pings.
import type { Logger } from 'pino';
import type { SystemdNotifier } from '../adapters/systemdNotifier.ts';

export class WatchdogService {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly notifier: SystemdNotifier,
    /** False when the agent is wedged beyond its own repair; systemd then restarts it after WatchdogSec. */
    private readonly healthy: () => boolean,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const intervalMs = this.notifier.watchdogIntervalMs;
    if (intervalMs === null) return;
    this.logger.info({ intervalMs }, 'systemd watchdog armed');
    this.timer = setInterval(() => this.ping(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private ping(): void {
    let ok = false;
    try {
      ok = this.healthy();
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'health check threw');
    }
    if (ok) void this.notifier.watchdog();
    else this.logger.warn('unhealthy: watchdog not pinged');
  }
}
