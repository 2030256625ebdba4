// Acks of task messages into the audit trail, bounded: each record a few KiB at most (the ack is), and rejections —
// the one kind anyone on the broker can cause at will — itemised at most a few dozen a minute, the rest counted.
import type { Logger } from 'pino';
import type { AuditKind, AuditTrail } from '../ports/auditTrail.ts';
import type { Clock } from '../ports/clock.ts';
import type { TaskAck } from '../ports/taskChannel.ts';

export interface TaskAuditOptions {
  /** Rejections itemised per window; default 30. */
  readonly rejectionsPerWindow?: number;
  /** Default 60 s. */
  readonly windowMs?: number;
}

export class TaskAudit {
  private windowStartMs = -Infinity;
  private itemised = 0;
  /** Rejections not itemised since the last summary. */
  private suppressed = 0;

  constructor(
    private readonly audit: (() => AuditTrail) | null,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: TaskAuditOptions = {},
  ) {}

  /** Records an ack; returns false when a rejection was only counted (the caller may then log it quietly). */
  record(ack: TaskAck): boolean {
    if (ack.status === 'rejected' && !this.takeRejection()) {
      this.suppressed += 1;
      return false;
    }
    const kind: AuditKind = ack.status === 'accepted' ? 'task-accepted' : ack.status === 'rejected' ? 'task-rejected' : 'task-withdrawn';
    this.write(kind, ack.taskId, { revision: ack.revision, status: ack.status, errors: ack.errors });
    return true;
  }

  /** An empty payload on a task topic while signatures are enforced: changes nothing, recorded once per topic. */
  recordCleared(taskId: string, audience: string): void {
    this.write('task-cleared', taskId, { audience, note: 'empty payload (a retained copy cleared); nothing changed' });
  }

  /** Writes the count of rejections not itemised, if any (called every minute and at stop). */
  flush(): void {
    if (this.suppressed === 0) return;
    const count = this.suppressed;
    this.suppressed = 0;
    this.write('task-rejected', null, { status: 'rejected', notItemised: count });
  }

  private takeRejection(): boolean {
    const nowMs = this.clock.nowMs();
    const windowMs = this.options.windowMs ?? 60_000;
    if (nowMs - this.windowStartMs >= windowMs || nowMs < this.windowStartMs) {
      this.flush();
      this.windowStartMs = nowMs;
      this.itemised = 0;
    }
    if (this.itemised >= (this.options.rejectionsPerWindow ?? 30)) return false;
    this.itemised += 1;
    return true;
  }

  private write(kind: AuditKind, taskId: string | null, detail: Record<string, unknown>): void {
    if (this.audit === null) return;
    try {
      this.audit().record({ kind, taskId, detail });
    } catch (err) {
      this.logger.error({ err: (err as Error).message, taskId }, 'audit record not written');
    }
  }
}
