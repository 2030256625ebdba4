// Publishes the signed audit head (last sequence number and hash) retained, every audit.headIntervalS and at stop, so
// the central side holds a point the vehicle's chain must still reach: records removed or rewritten after it show.
import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { signAuditHead, type AuditHead } from '../core/evidence/auditHead.ts';
import type { AuditLedger } from '../ports/auditTrail.ts';
import type { Clock } from '../ports/clock.ts';

export interface AuditHeadServiceOptions {
  readonly vehicleId: string;
  readonly intervalMs: number;
}

export class AuditHeadService {
  private timer: NodeJS.Timeout | null = null;
  /** The last head the broker acknowledged. */
  lastPublished: AuditHead | null = null;

  constructor(
    private readonly options: AuditHeadServiceOptions,
    private readonly ledger: () => AuditLedger,
    private readonly signingKey: () => KeyObject | null,
    private readonly publish: (payload: string) => Promise<void>,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.signingKey() === null) this.logger.warn('audit.signingKeyFile is not set: the audit head is published unsigned');
    void this.publishNow();
    this.timer = setInterval(() => void this.publishNow(), this.options.intervalMs);
  }

  /** Stops the timer and publishes the final head (best effort: a broker that is away keeps the previous one). */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.publishNow();
  }

  /** The head as it is now, signed. */
  current(): AuditHead {
    const { seq, hash } = this.ledger().head();
    return signAuditHead({ vehicleId: this.options.vehicleId, seq, hash, at: new Date(this.clock.nowMs()).toISOString() }, this.signingKey());
  }

  async publishNow(): Promise<void> {
    try {
      const head = this.current();
      await this.publish(JSON.stringify(head));
      this.lastPublished = head;
      this.logger.debug({ seq: head.seq }, 'audit head published');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'audit head not published; next time');
    }
  }
}
