// Keeps the task registry in step with the task channel, the task store and task files: parse, apply revision rules, ack.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { DEFAULT_TASK_LIMITS, isActive, parseTask, type Task, type TaskLimits } from '../core/tasks/task.ts';
import type { TaskRegistry } from '../core/tasks/taskRegistry.ts';
import type { AuditTrail } from '../ports/auditTrail.ts';
import type { Clock } from '../ports/clock.ts';
import type { TaskAck, TaskChannel } from '../ports/taskChannel.ts';
import type { TaskStore } from '../ports/taskStore.ts';

export interface TaskServiceOptions {
  readonly knownLabels: readonly string[];
  readonly taskFiles: readonly string[];
  /** Size, area and signature rules; defaults: 256 KiB, 5 km², no signatures required. */
  readonly limits?: TaskLimits;
  /** How often tasks past validUntil are dropped; default 60 s. */
  readonly expireEveryMs?: number;
  /** Called when a task is newly held or a new revision replaces the held one (e.g. to apply its retentionDays to
   *  evidence already queued). A throw is logged, never fatal. */
  readonly onTaskChanged?: (task: Task) => void;
}

export class TaskService {
  private readonly removers: (() => void)[] = [];
  private expireTimer: NodeJS.Timeout | null = null;
  /** Tasks whose held revision came over MQTT: the retained topics decide whether they stay. */
  private readonly fromMqtt = new Set<string>();

  constructor(
    private readonly options: TaskServiceOptions,
    private readonly registry: TaskRegistry,
    private readonly channel: TaskChannel,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly store?: TaskStore,
    /** Where accepted, rejected and withdrawn tasks are recorded; optional so the service runs on its own. */
    private readonly audit: (() => AuditTrail) | null = null,
  ) {}

  async start(): Promise<void> {
    this.loadStored();
    for (const file of this.options.taskFiles) {
      const payload = await readFile(file).catch((err: Error) => {
        this.logger.error({ file, err: err.message }, 'task file unreadable; skipped');
        return null;
      });
      if (payload !== null) this.handle(null, payload, file);
    }
    this.removers.push(this.channel.onTaskMessage((taskId, payload) => this.handle(taskId, payload, 'mqtt')));
    if (this.channel.onSynced !== undefined) this.removers.push(this.channel.onSynced((heard) => this.reconcile(heard)));
    this.expireTimer = setInterval(() => this.dropExpired(), this.options.expireEveryMs ?? 60_000);
    this.expireTimer.unref();
  }

  async stop(): Promise<void> {
    for (const remove of this.removers.splice(0)) remove();
    if (this.expireTimer !== null) clearInterval(this.expireTimer);
    this.expireTimer = null;
  }

  /** Applies one task message; `topicTaskId` is null for tasks from files. */
  handle(topicTaskId: string | null, payload: Buffer, source: string): void {
    if (payload.length === 0) {
      if (topicTaskId === null) return;
      const known = this.forget(topicTaskId);
      this.logger.info({ taskId: topicTaskId, known, source }, 'task withdrawn');
      this.ack({ taskId: topicTaskId, revision: null, status: 'withdrawn', errors: [] });
      return;
    }
    const parsed = parseTask(payload, this.options.knownLabels, this.limits);
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
      this.forget(task.id);
      this.logger.info({ taskId: task.id, revision: task.revision, source }, 'task expired');
      this.ack({ taskId: task.id, revision: task.revision, status: 'expired', errors: [] });
      return;
    }
    const outcome = this.registry.upsert(task);
    if (outcome === 'stale') {
      const held = this.registry.get(task.id)?.revision;
      const errors = [{ path: 'revision', message: `revision ${task.revision} is older than revision ${held} already held` }];
      this.logger.warn({ taskId: task.id, revision: task.revision, held, source }, 'task rejected: stale revision');
      this.ack({ taskId: task.id, revision: task.revision, status: 'rejected', errors });
      return;
    }
    if (outcome !== 'unchanged') {
      if (source === 'mqtt') {
        this.fromMqtt.add(task.id);
        this.persist(() => this.store?.save({ id: task.id, revision: task.revision, payload, acceptedAtMs: this.clock.nowMs() }));
      } else {
        this.fromMqtt.delete(task.id);
        this.persist(() => this.store?.remove(task.id));
      }
      try {
        this.options.onTaskChanged?.(task);
      } catch (err) {
        this.logger.error({ taskId: task.id, err: (err as Error).message }, 'task change not applied');
      }
    }
    this.logger.info(
      { taskId: task.id, revision: task.revision, outcome, activeNow: isActive(task, this.clock.nowMs()), source },
      'task accepted',
    );
    this.ack({ taskId: task.id, revision: task.revision, status: 'accepted', errors: [] });
  }

  /** Drops every task past its validUntil, with an `expired` ack. */
  dropExpired(): void {
    const nowMs = this.clock.nowMs();
    for (const task of this.registry.all()) {
      if (nowMs < task.validUntilMs) continue;
      this.forget(task.id);
      this.logger.info({ taskId: task.id, revision: task.revision }, 'task expired');
      this.ack({ taskId: task.id, revision: task.revision, status: 'expired', errors: [] });
    }
  }

  /**
   * After a (re)connect the retained topics are the truth: a task from MQTT that no task topic spoke of was
   * withdrawn while the vehicle was away, and stops now.
   */
  private reconcile(heard: ReadonlySet<string>): void {
    for (const taskId of [...this.fromMqtt]) {
      if (heard.has(taskId)) continue;
      const revision = this.registry.get(taskId)?.revision ?? null;
      this.forget(taskId);
      this.logger.info({ taskId, revision }, 'task withdrawn while offline');
      this.ack({ taskId, revision, status: 'withdrawn', errors: [] });
    }
  }

  /** Tasks accepted before the last shutdown, checked again as if they had just arrived (the rules may have changed). */
  private loadStored(): void {
    if (this.store === undefined) return;
    let stored;
    try {
      stored = this.store.load();
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'task store unreadable; starting without stored tasks');
      return;
    }
    for (const item of stored) {
      const parsed = parseTask(item.payload, this.options.knownLabels, this.limits);
      if (!parsed.ok) {
        this.logger.warn({ taskId: item.id, errors: parsed.errors }, 'stored task no longer valid; dropped');
        this.persist(() => this.store?.remove(item.id));
        continue;
      }
      if (this.clock.nowMs() >= parsed.task.validUntilMs) {
        this.persist(() => this.store?.remove(item.id));
        this.logger.info({ taskId: item.id, revision: item.revision }, 'stored task expired');
        this.ack({ taskId: item.id, revision: item.revision, status: 'expired', errors: [] });
        continue;
      }
      this.registry.upsert(parsed.task);
      this.fromMqtt.add(item.id);
    }
    this.logger.info({ tasks: this.registry.size }, 'stored tasks loaded');
  }

  private forget(taskId: string): boolean {
    this.fromMqtt.delete(taskId);
    this.persist(() => this.store?.remove(taskId));
    return this.registry.withdraw(taskId);
  }

  private persist(write: () => void): void {
    try {
      write();
    } catch (err) {
      // The registry still holds the task; only the copy for the next boot is missing.
      this.logger.error({ err: (err as Error).message }, 'task store write failed');
    }
  }

  private get limits(): TaskLimits {
    return this.options.limits ?? DEFAULT_TASK_LIMITS;
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
