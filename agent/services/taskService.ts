// Keeps the task registry in step with the task channel (and task files): parse, apply revision rules, acknowledge.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { isActive, parseTask } from '../core/task.ts';
import type { TaskRegistry } from '../core/taskRegistry.ts';
import type { AuditTrail } from '../ports/auditTrail.ts';
import type { Clock } from '../ports/clock.ts';
import type { TaskAck, TaskChannel } from '../ports/taskChannel.ts';

export interface TaskServiceOptions {
  readonly knownLabels: readonly string[];
  readonly taskFiles: readonly string[];
}

export class TaskService {
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly options: TaskServiceOptions,
    private readonly registry: TaskRegistry,
    private readonly channel: TaskChannel,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Where accepted, rejected and withdrawn tasks are recorded; optional so the service runs on its own. */
    private readonly audit: (() => AuditTrail) | null = null,
  ) {}

  async start(): Promise<void> {
    for (const file of this.options.taskFiles) {
      const payload = await readFile(file).catch((err: Error) => {
        this.logger.error({ file, err: err.message }, 'task file unreadable; skipped');
        return null;
      });
      if (payload !== null) this.handle(null, payload, file);
    }
    this.unsubscribe = this.channel.onTaskMessage((taskId, payload) => this.handle(taskId, payload, 'mqtt'));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Applies one task message; `topicTaskId` is null for tasks from files. */
  handle(topicTaskId: string | null, payload: Buffer, source: string): void {
    if (payload.length === 0) {
      if (topicTaskId === null) return;
      const known = this.registry.withdraw(topicTaskId);
      this.logger.info({ taskId: topicTaskId, known, source }, 'task withdrawn');
      this.ack({ taskId: topicTaskId, revision: null, status: 'withdrawn', errors: [] });
      return;
    }
    const parsed = parseTask(payload, this.options.knownLabels);
    if (!parsed.ok) {
      this.logger.warn({ taskId: parsed.taskId ?? topicTaskId, errors: parsed.errors, source }, 'task rejected');
      this.ack({ taskId: parsed.taskId ?? topicTaskId ?? '', revision: parsed.revision ?? null, status: 'rejected', errors: parsed.errors });
      return;
    }
    const { task } = parsed;
    if (topicTaskId !== null && task.id !== topicTaskId) {
      const errors = [{ path: 'id', message: `the id "${task.id}" differs from the topic's task id "${topicTaskId}"` }];
      this.logger.warn({ taskId: topicTaskId, errors, source }, 'task rejected');
      this.ack({ taskId: topicTaskId, revision: task.revision, status: 'rejected', errors });
      return;
    }
    if (this.clock.nowMs() >= task.validUntilMs) {
      this.registry.withdraw(task.id);
      this.logger.info({ taskId: task.id, revision: task.revision, source }, 'task expired');
      this.ack({ taskId: task.id, revision: task.revision, status: 'expired', errors: [] });
      return;
    }
    const outcome = this.registry.upsert(task);
    this.logger.info(
      { taskId: task.id, revision: task.revision, outcome, activeNow: isActive(task, this.clock.nowMs()), source },
      'task accepted',
    );
    if (outcome === 'stale') {
      const held = this.registry.get(task.id)?.revision;
      const errors = [{ path: 'revision', message: `revision ${task.revision} is older than revision ${held} already held` }];
      this.ack({ taskId: task.id, revision: task.revision, status: 'rejected', errors });
      return;
    }
    this.ack({ taskId: task.id, revision: task.revision, status: 'accepted', errors: [] });
  }

  private ack(ack: TaskAck): void {
    this.recordAudit(ack);
    // Not awaited: while the broker is away, acks wait in the client's queue and must not hold up the registry.
    this.channel.publishAck(ack).catch((err: Error) => this.logger.warn({ err: err.message, taskId: ack.taskId }, 'ack not sent'));
  }

  private recordAudit(ack: TaskAck): void {
    if (this.audit === null) return;
    const kind = ack.status === 'accepted' ? 'task-accepted' : ack.status === 'rejected' ? 'task-rejected' : 'task-withdrawn';
    try {
      this.audit().record({ kind, taskId: ack.taskId, detail: { revision: ack.revision, status: ack.status, errors: ack.errors } });
    } catch (err) {
      this.logger.error({ err: (err as Error).message, taskId: ack.taskId }, 'audit record not written');
    }
  }
}
