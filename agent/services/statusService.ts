// Publishes the vehicle's retained status (online, what it is doing) at start and then at a fixed interval.
import type { Logger } from 'pino';
import type { TaskChannel } from '../ports/taskChannel.ts';

export class StatusService {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly channel: TaskChannel,
    private readonly snapshot: () => Record<string, unknown>,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.publish();
    this.timer = setInterval(() => this.publish(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private publish(): void {
    this.channel
      .publishStatus({ state: 'online', ...this.snapshot() })
      .catch((err: Error) => this.logger.debug({ err: err.message }, 'status not published'));
  }
}
