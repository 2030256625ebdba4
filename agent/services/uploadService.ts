// The upload loop: takes the next due item from the queue, uploads it, removes it only after both PUTs succeed,
// backs off (per item, with jitter) when the ingest is unreachable or erring, and parks items it refuses for good.
// While the ingest is away the whole loop pauses: one probe per backoff step, not one request per queued item.
// `concurrency` workers share the queue (never the same item); one item's bytes are in memory at a time per worker.
// No evidence is sent past its retention: an item is taken only before it expires, and once it expires no further
// byte of it leaves (a PUT not yet begun is not begun, a body still streaming stops); the item is left to the sweeper.
import type { Logger } from 'pino';
import { backoffDelayMs } from '../core/time/backoff.ts';
import type { Clock } from '../ports/clock.ts';
import type { EvidenceQueue, QueuedEvidence } from '../ports/evidenceQueue.ts';
import { judgeUploadFailure } from '../core/evidence/uploadPolicy.ts';
import { UploadError, type Uploader } from '../ports/uploader.ts';

export interface UploadServiceOptions {
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  /** How long to sleep when nothing is due. */
  readonly idleMs: number;
  /** Items uploaded at the same time [1]. */
  readonly concurrency?: number;
}

export interface UploadStats {
  uploaded: number;
  failedAttempts: number;
  parked: number;
  lastUploadAtMs: number | null;
  /** Why the last attempt failed (a redirect, a status, a sha256 mismatch, no answer); null after a success. */
  lastError: string | null;
}

export class UploadService {
  readonly stats: UploadStats = { uploaded: 0, failedAttempts: 0, parked: 0, lastUploadAtMs: null, lastError: null };
  private loop: Promise<unknown> | null = null;
  private abort: AbortController | null = null;
  /** One wake-up per sleeping worker. */
  private readonly wakers = new Set<() => void>();
  /** Ids being uploaded right now, so two workers never take the same item. */
  private readonly inFlight = new Set<string>();
  /** Failures in a row across items; drives the loop-wide pause while the ingest is away. */
  private failuresInRow = 0;

  constructor(
    private readonly options: UploadServiceOptions,
    private readonly queue: EvidenceQueue,
    private readonly uploader: Uploader,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
  ) {}

  async start(): Promise<void> {
    this.abort = new AbortController();
    const signal = this.abort.signal;
    const workers = Array.from({ length: Math.max(1, this.options.concurrency ?? 1) }, () => this.run(signal));
    this.loop = Promise.all(workers);
  }

  /** Ids being uploaded right now (the retention sweeper leaves them alone). */
  get uploading(): ReadonlySet<string> {
    return this.inFlight;
  }

  /** Lets the loop look at the queue now (e.g. right after new evidence was queued). */
  poke(): void {
    for (const wake of [...this.wakers]) wake();
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    this.poke();
    await this.loop;
    this.loop = null;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const item = this.queue.nextDue(this.clock.nowMs(), this.inFlight);
      if (item === null) {
        await this.sleep(this.options.idleMs, signal);
        continue;
      }
      this.inFlight.add(item.id);
      try {
        if ((await this.attempt(item, signal)) === 'stop') break;
      } finally {
        this.inFlight.delete(item.id);
      }
    }
  }

  /** One upload attempt of one item; 'stop' when the service is stopping. */
  private async attempt(item: QueuedEvidence, signal: AbortSignal): Promise<'next' | 'stop'> {
    let jpeg: Buffer;
    try {
      jpeg = await this.queue.readJpeg(item.id);
    } catch (err) {
      // A file that cannot be read back or decrypted will not get better by retrying.
      this.park(item.id, `cannot read the stored evidence: ${(err as Error).message}`);
      return 'next';
    }
    // No byte of the item leaves once its retention ran out: read from the clock (not a timer that may be late) and
    // from the queue, where a new revision may have shortened it since the item was taken.
    const maySend = () => this.clock.nowMs() < (this.queue.expiresAtMs(item.id) ?? -Infinity);
    try {
      // A stop aborts the request in flight: the item stays queued (it is removed only after both PUTs succeeded),
      // so SIGTERM never waits for a slow ingest beyond TimeoutStopSec and never loses evidence.
      await this.uploader.upload(item.meta, jpeg, signal, maySend);
      await this.queue.remove(item.id, 'uploaded');
      this.failuresInRow = 0;
      this.stats.uploaded += 1;
      this.stats.lastUploadAtMs = this.clock.nowMs();
      this.stats.lastError = null;
      this.logger.info({ evidenceId: item.id, taskId: item.meta.taskId, attempts: item.attempts + 1 }, 'evidence uploaded');
    } catch (err) {
      if (signal.aborted) {
        this.logger.info({ evidenceId: item.id }, 'upload interrupted by stop; evidence stays queued');
        return 'stop';
      }
      if (!maySend()) {
        // Past its retention the item is never due again: not a failure to retry, the sweeper deletes it.
        this.logger.warn({ evidenceId: item.id, taskId: item.meta.taskId, err: (err as Error).message }, 'retention ran out before the upload was through; not sent again');
        return 'next';
      }
      this.stats.failedAttempts += 1;
      const message = (err as Error).message;
      this.stats.lastError = message;
      const status = err instanceof UploadError ? err.status : undefined;
      if (judgeUploadFailure(status) === 'park') {
        this.park(item.id, message);
        return 'next';
      }
      const backoff = { minMs: this.options.retryMinMs, maxMs: this.options.retryMaxMs };
      const delayMs = backoffDelayMs(item.attempts + 1, backoff, this.random());
      this.queue.deferred(item.id, message, this.clock.nowMs() + delayMs);
      this.failuresInRow += 1;
      const pauseMs = backoffDelayMs(this.failuresInRow, backoff, this.random());
      this.logger.warn({ evidenceId: item.id, err: message, retryInMs: delayMs, pauseMs }, 'upload failed; will retry');
      await this.sleep(pauseMs, signal);
    }
    return 'next';
  }

  private park(id: string, error: string): void {
    this.queue.park(id, error);
    this.stats.parked += 1;
    this.logger.error({ evidenceId: id, err: error }, 'upload refused for good; item parked');
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wakers.add(done);
    });
  }
}
