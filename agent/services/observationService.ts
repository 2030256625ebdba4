// Observations out: each decision is stored in the outbox first, then published (QoS 1) while the broker is
// reachable, and removed only after its PUBACK. Drains again on every reconnect; at-least-once, deduplicated by id.
// The outbox holds at most maxQueued: beyond it the oldest are dropped, counted and audited (a broker away for
// weeks must not fill the disk that the evidence needs).
import type { Logger } from 'pino';
import type { SqliteObservationOutbox } from '../adapters/sqliteObservationOutbox.ts';
import type { ObservationMessage } from '../core/tasks/messages.ts';
import type { AuditTrail } from '../ports/auditTrail.ts';
import type { ObservationRecorder } from '../ports/observationRecorder.ts';
import type { ObservationSink } from '../ports/observationSink.ts';

export interface ObservationServiceOptions {
  /** Publishes awaiting their PUBACK at once. Default 20. */
  readonly maxInFlight?: number;
  /** How often the outbox is looked at again when publishes failed or hang. Default 5 000. */
  readonly retryMs?: number;
  /** A publish not acknowledged within this is given up (the row stays) and tried again. Default 30 000. */
  readonly ackTimeoutMs?: number;
  /** Most observations kept waiting; beyond, the oldest are dropped. Default: no bound. */
  readonly maxQueued?: number;
}

export interface ObservationStats {
  recorded: number;
  published: number;
  failedPublishes: number;
  /** Observations dropped unsent because the outbox was full (the broker was away for long). */
  dropped: number;
  /** Observations waiting in the outbox now. */
  waiting: number;
}

export class ObservationService implements ObservationRecorder {
  private readonly counters = { recorded: 0, published: 0, failedPublishes: 0, dropped: 0 };
  private readonly inFlight = new Set<string>();
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  private readonly options: Required<Omit<ObservationServiceOptions, 'maxQueued'>> & Pick<ObservationServiceOptions, 'maxQueued'>;

  constructor(
    options: ObservationServiceOptions,
    private readonly outbox: SqliteObservationOutbox,
    private readonly sink: ObservationSink,
    private readonly logger: Logger,
    /** Where dropped observations are recorded; optional so the service runs on its own. */
    private readonly audit: (() => AuditTrail) | null = null,
  ) {
    // A batch of 20 unacknowledged publishes keeps a slow link busy without flooding the broker's inflight window.
    this.options = { maxInFlight: 20, retryMs: 5_000, ackTimeoutMs: 30_000, ...options };
  }

  get stats(): ObservationStats {
    let waiting = 0;
    try {
      waiting = this.outbox.count();
    } catch {
      // Not started or already stopped: nothing waits here.
    }
    return { ...this.counters, waiting };
  }

  async start(): Promise<void> {
    this.running = true;
    this.unsubscribe = this.sink.onConnected(() => this.drain());
    this.timer = setInterval(() => this.drain(), this.options.retryMs);
    this.timer.unref();
    this.drain();
  }

  /** Stops publishing; what is not acknowledged yet stays in the outbox for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Stores the observation durably (throws only when the outbox itself fails), then tries to send it. */
  record(observation: ObservationMessage): void {
    this.outbox.add(observation.id, JSON.stringify(observation));
    this.counters.recorded += 1;
    this.trim();
    this.logger.info({ observationId: observation.id, taskId: observation.taskId, outcome: observation.outcome, evidenceIds: observation.evidenceIds }, 'observation recorded');
    this.drain();
  }

  get waiting(): number {
    return this.outbox.count();
  }

  /** Keeps the outbox within maxQueued, dropping the oldest; each trim is audited. */
  private trim(): void {
    if (this.options.maxQueued === undefined) return;
    const trim = this.outbox.trimTo(this.options.maxQueued);
    if (trim === null) return;
    this.counters.dropped += trim.dropped;
    const detail = {
      reason: 'outbox-full',
      dropped: trim.dropped,
      maxQueued: this.options.maxQueued,
      oldestQueuedAt: new Date(trim.oldestAtMs).toISOString(),
      newestQueuedAt: new Date(trim.newestAtMs).toISOString(),
    };
    this.logger.warn(detail, 'observation outbox full; oldest observations dropped unsent');
    try {
      this.audit?.().record({ kind: 'observations-dropped', detail });
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'audit record not written');
    }
  }

  private drain(): void {
    if (!this.running || !this.sink.connected) return;
    const room = this.options.maxInFlight - this.inFlight.size;
    if (room <= 0) return;
    let rows;
    try {
      rows = this.outbox.oldest(room, this.inFlight);
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'observation outbox unreadable');
      return;
    }
    for (const row of rows) this.send(row.id, row.payload);
  }

  private send(id: string, payload: string): void {
    this.inFlight.add(id);
    let timeout: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<never>((_resolve, reject) => {
      timeout = setTimeout(() => reject(new Error(`no PUBACK within ${this.options.ackTimeoutMs} ms`)), this.options.ackTimeoutMs);
    });
    Promise.race([this.sink.publishObservation(payload), gaveUp])
      .then(() => {
        this.counters.published += 1;
        if (this.running) this.outbox.remove(id);
        else this.tryRemoveAfterStop(id);
      })
      .catch((err: Error) => {
        this.counters.failedPublishes += 1;
        this.logger.warn({ observationId: id, err: err.message }, 'observation not acknowledged; stays in the outbox');
      })
      .finally(() => {
        clearTimeout(timeout);
        this.inFlight.delete(id);
        if (this.running) setImmediate(() => this.drain());
      });
  }

  /** A PUBACK that arrives while stopping still clears its row, when the outbox is still open. */
  private tryRemoveAfterStop(id: string): void {
    try {
      this.outbox.remove(id);
    } catch {
      // The outbox closed first: the observation is sent again next start (deduplicated by id).
    }
  }
}
