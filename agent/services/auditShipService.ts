// Ships the audit trail to the ingest: PUT {ingest}/audit/{vehicleId}/{first}-{last}.jsonl, one JSON record a line,
// proven stored like evidence; then, where audit.keepShippedDays is set, prunes shipped records older than that,
// leaving a signed checkpoint the rest of the chain verifies from.
import type { Logger } from 'pino';
import type { AuditRecord } from '../core/evidence/auditChain.ts';
import type { AuditLedger } from '../ports/auditTrail.ts';
import type { Clock } from '../ports/clock.ts';

export interface AuditShipServiceOptions {
  readonly vehicleId: string;
  readonly everyMs: number;
  readonly maxRecords: number;
  /** Shipped records older than this are pruned locally; undefined: never. */
  readonly keepShippedMs?: number;
}

export interface AuditShipStats {
  shippedThrough: number;
  files: number;
  pruned: number;
  lastError: string | null;
}

/** One PUT of one file's bytes; rejects unless the ingest proved it stored them. */
export type PutFile = (pathName: string, body: Buffer, signal: AbortSignal) => Promise<void>;

export class AuditShipService {
  readonly stats: AuditShipStats = { shippedThrough: 0, files: 0, pruned: 0, lastError: null };
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private abort = new AbortController();

  constructor(
    private readonly options: AuditShipServiceOptions,
    private readonly ledger: () => AuditLedger,
    private readonly put: PutFile,
    /** The signed head of a record, as JSON (kept as the checkpoint when pruning up to it). */
    private readonly signedHeadOf: (seq: number, hash: string) => string | null,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.abort = new AbortController();
    this.stats.shippedThrough = this.ledger().shippedThrough();
    this.timer = setInterval(() => void this.shipNow(), this.options.everyMs);
    void this.shipNow();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.running;
  }

  /** Ships everything not yet shipped (one file per maxRecords), then prunes; one run at a time. */
  shipNow(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<void> {
    const ledger = this.ledger();
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const records = ledger.recordsAfter(ledger.shippedThrough(), this.options.maxRecords);
      if (records.length === 0) break;
      const first = records[0]!.seq;
      const last = records[records.length - 1]!.seq;
      try {
        await this.put(`audit/${this.options.vehicleId}/${first}-${last}.jsonl`, toJsonl(records), signal);
      } catch (err) {
        if (signal.aborted) return;
        this.stats.lastError = (err as Error).message;
        this.logger.warn({ first, last, err: this.stats.lastError }, 'audit records not shipped; next time');
        return;
      }
      ledger.markShipped(last);
      this.stats.shippedThrough = last;
      this.stats.files += 1;
      this.stats.lastError = null;
      this.logger.info({ first, last }, 'audit records shipped');
    }
    this.prune(ledger);
  }

  private prune(ledger: AuditLedger): void {
    const keepMs = this.options.keepShippedMs;
    if (keepMs === undefined) return;
    const cutoffMs = this.clock.nowMs() - keepMs;
    // The newest shipped record older than the bound: everything up to it may go.
    let through = 0;
    for (let after = 0; ; ) {
      const batch = ledger.recordsAfter(after, 1000).filter((r) => r.seq <= ledger.shippedThrough());
      const old = batch.filter((r) => r.atMs < cutoffMs);
      if (old.length > 0) through = old[old.length - 1]!.seq;
      if (batch.length < 1000 || old.length < batch.length) break;
      after = batch[batch.length - 1]!.seq;
    }
    if (through === 0) return;
    const end = ledger.recordsAfter(through - 1, 1)[0];
    if (end === undefined) return;
    const deleted = ledger.prune(through, this.signedHeadOf(end.seq, end.hash));
    this.stats.pruned += deleted;
    if (deleted > 0) this.logger.info({ throughSeq: through, records: deleted }, 'shipped audit records pruned; checkpoint kept');
  }
}

/** One record per line, every field as the chain hashes it, so the central side can recompute every hash. */
export function toJsonl(records: readonly AuditRecord[]): Buffer {
  return Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
}
