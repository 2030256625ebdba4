// The retention sweeper: on start and then periodically deletes evidence whose task's retention ran out, and
// evidence beyond the disk quota (lowest priority, oldest first); also right after new evidence was queued when that
// put the queue over its quota. An item being uploaded is left alone (it is about to go, and deleting it under the
// upload would let evidence audited as deleted reach the ingest). Never throws out of its loop: a full disk must not
// stop the agent.
import { statfs } from 'node:fs/promises';
import type { Logger } from 'pino';
import { planRetention, type Deletion, type StorageLimits, type StoredItem } from '../core/evidence/retention.ts';
import type { Clock } from '../ports/clock.ts';
import type { EvidenceQueue } from '../ports/evidenceQueue.ts';

export interface RetentionServiceOptions extends StorageLimits {
  /** Folder whose file system is watched for free space. */
  readonly dataDir: string;
  readonly sweepEveryMs: number;
  /** Ids being uploaded right now; the sweeper does not delete them. */
  readonly busy?: () => ReadonlySet<string>;
}

export interface RetentionStats {
  sweeps: number;
  deleted: number;
  deletedBytes: number;
}

/** Free bytes for an unprivileged writer on the file system holding `dir`. */
export async function freeBytesOf(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

export class RetentionService {
  readonly stats: RetentionStats = { sweeps: 0, deleted: 0, deletedBytes: 0 };
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<Deletion[]> | null = null;

  constructor(
    private readonly options: RetentionServiceOptions,
    private readonly queue: EvidenceQueue,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly freeBytes: (dir: string) => Promise<number> = freeBytesOf,
  ) {}

  async start(): Promise<void> {
    await this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.sweepEveryMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** After new evidence was queued: sweeps at once when the queue is over maxBytes or the disk under minFreeBytes. */
  poke(): void {
    if (this.timer === null) return;
    void this.overQuota()
      .then((over) => (over && this.timer !== null ? this.sweep() : undefined))
      .catch((err: Error) => this.logger.error({ err: err.message }, 'quota check failed'));
  }

  /**
   * A task's new revision: the stricter retention wins, so evidence already queued for the task is kept no longer
   * than the revision allows (a revision may shorten it, never lengthen it); what ran out goes at once.
   */
  taskChanged(task: { readonly id: string; readonly revision: number; readonly retentionDays: number }): void {
    const changed = this.queue.capRetention(task.id, task.revision, task.retentionDays);
    if (changed === 0) return;
    this.logger.info({ taskId: task.id, revision: task.revision, retentionDays: task.retentionDays, items: changed }, 'retention of queued evidence shortened');
    void this.sweep();
  }

  /** One pass; concurrent calls share the pass in progress. Resolves with what was deleted. */
  sweep(): Promise<Deletion[]> {
    const pass = (this.running ??= this.sweepOnce()
      .catch((err: Error): Deletion[] => {
        this.logger.error({ err: err.message }, 'retention sweep failed');
        return [];
      })
      .finally(() => {
        this.running = null;
      }));
    return pass;
  }

  private async overQuota(): Promise<boolean> {
    if (this.queue.counts().bytes > this.options.maxBytes) return true;
    return (await this.freeBytes(this.options.dataDir)) < this.options.minFreeBytes;
  }

  private async sweepOnce(): Promise<Deletion[]> {
    const usage = { usedBytes: this.queue.counts().bytes, freeBytes: await this.freeBytes(this.options.dataDir) };
    const busy = this.options.busy?.() ?? new Set<string>();
    const deletions = planRetention(() => notIn(this.queue.storedItems(), busy), this.clock.nowMs(), usage, this.options);
    const done: Deletion[] = [];
    for (const d of deletions) {
      // The uploader may have taken it up since the plan was made; the check and the row's deletion share one tick.
      if (this.options.busy?.().has(d.id)) continue;
      try {
        await this.queue.remove(d.id, d.reason);
        done.push(d);
        this.stats.deleted += 1;
        this.stats.deletedBytes += d.bytes;
        this.logger.info({ decision: 'delete', evidenceId: d.id, taskId: d.taskId, reason: d.reason, bytes: d.bytes }, 'evidence deleted');
      } catch (err) {
        this.logger.error({ evidenceId: d.id, reason: d.reason, err: (err as Error).message }, 'evidence could not be deleted');
      }
    }
    this.stats.sweeps += 1;
    return done;
  }
}

function* notIn(items: Iterable<StoredItem>, ids: ReadonlySet<string>): Generator<StoredItem> {
  for (const item of items) if (!ids.has(item.id)) yield item;
}
