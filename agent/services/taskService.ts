// Keeps the task registry in step with the task channel, the task store and task files: parse, check signature and
// scope, apply the revision rules, ack — every input bounded, duplicates counted rather than handled again.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { MAX_AREA_VERTICES } from '../core/geo/areaChecks.ts';
import { boundAck } from '../core/tasks/ackText.ts';
import { HoldBudget } from '../core/tasks/holdBudget.ts';
import { RecentPayloads } from '../core/tasks/recentPayloads.ts';
import { judgeTask, judgeWithdrawal, type RevisionState } from '../core/tasks/revisionRules.ts';
import { scopeProblem, type Audience, type OwnIds } from '../core/tasks/scope.ts';
import {
  DEFAULT_TASK_LIMITS,
  isActive,
  parseTaskMessage,
  type FieldError,
  type Task,
  type TaskLimits,
  type Withdrawal,
} from '../core/tasks/task.ts';
import type { TaskRegistry } from '../core/tasks/taskRegistry.ts';
import type { AuditTrail } from '../ports/auditTrail.ts';
import type { Clock } from '../ports/clock.ts';
import type { TaskAck, TaskChannel, TaskSyncSource } from '../ports/taskChannel.ts';
import type { RevisionSeen, TaskStore } from '../ports/taskStore.ts';
import { TaskAudit } from './taskAudit.ts';

export interface TaskServiceOptions {
  readonly knownLabels: readonly string[];
  readonly taskFiles: readonly string[];
  /** This vehicle and its fleet: a message's scope must name the one whose topic it came on. */
  readonly ids: OwnIds;
  /** Size, area and signature rules; defaults: 256 KiB, 5 km², no signatures required. */
  readonly limits?: TaskLimits;
  /** Most tasks held (default 10,000) and most bytes of their messages (default 64 MiB); beyond, new tasks are rejected. */
  readonly maxHeld?: number;
  readonly maxHeldBytes?: number;
  /** How often tasks past validUntil are dropped; default 60 s. */
  readonly expireEveryMs?: number;
  /** Called when a task is newly held or a new revision replaces the held one (e.g. to apply its retentionDays to
   *  evidence already queued). A throw is logged, never fatal. */
  readonly onTaskChanged?: (task: Task) => void;
}

export interface TaskMessageStats {
  /** Messages on task topics and from task files. */
  messages: number;
  /** The same payload again on the same topic: counted, not handled, acked or audited again. */
  duplicates: number;
  rejected: number;
  /** Rejections counted in the audit trail but not itemised (more than 30 a minute). */
  rejectionsNotItemised: number;
  /** Empty payloads ignored while signatures are enforced. */
  emptyIgnored: number;
}

/** Bumped when the geometry checks change, so stored areas are checked again. */
const AREA_CHECK_VERSION = 2;

export class TaskService {
  private readonly removers: (() => void)[] = [];
  private expireTimer: NodeJS.Timeout | null = null;
  /** Tasks whose held revision came over MQTT: while signatures are not enforced, the retained topics decide. */
  private readonly fromMqtt = new Map<string, Audience>();
  private readonly budget: HoldBudget;
  /** Highest revision seen per task id (mirrored in the store). */
  private revisions = new Map<string, RevisionSeen>();
  /** The last payload per topic, to count duplicates. */
  private readonly lastPayload: RecentPayloads;
  private readonly taskAudit: TaskAudit;
  readonly stats: TaskMessageStats = { messages: 0, duplicates: 0, rejected: 0, rejectionsNotItemised: 0, emptyIgnored: 0 };

  constructor(
    private readonly options: TaskServiceOptions,
    private readonly registry: TaskRegistry,
    private readonly channel: TaskChannel,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly store?: TaskStore,
    /** Where accepted, rejected and withdrawn tasks are recorded; optional so the service runs on its own. */
    audit: (() => AuditTrail) | null = null,
  ) {
    this.taskAudit = new TaskAudit(audit, clock, logger);
    this.budget = new HoldBudget(options.maxHeld ?? 10_000, options.maxHeldBytes ?? 64 * 1024 ** 2);
    this.lastPayload = new RecentPayloads(this.budget.maxHeld + 1_000);
  }

  async start(): Promise<void> {
    this.loadStored();
    for (const file of this.options.taskFiles) {
      const payload = await readFile(file).catch((err: Error) => {
        this.logger.error({ file, err: err.message }, 'task file unreadable; skipped');
        return null;
      });
      if (payload !== null) this.handle(null, payload, file);
    }
    this.removers.push(this.channel.onTaskMessage((taskId, payload, audience) => this.handle(taskId, payload, 'mqtt', audience)));
    if (this.channel.onSynced !== undefined) this.removers.push(this.channel.onSynced((heard, source) => this.reconcile(heard, source)));
    this.expireTimer = setInterval(() => {
      this.dropExpired();
      this.taskAudit.flush();
    }, this.options.expireEveryMs ?? 60_000);
    this.expireTimer.unref();
  }

  async stop(): Promise<void> {
    for (const remove of this.removers.splice(0)) remove();
    if (this.expireTimer !== null) clearInterval(this.expireTimer);
    this.expireTimer = null;
    this.taskAudit.flush();
  }

  /** True while tasks are taken only when signed by a trusted key. */
  get signaturesEnforced(): boolean {
    return this.limits.publicKeys.length > 0;
  }

  /**
   * Applies one task message. `topicTaskId` and `audience` say which topic it came on (both null for task files,
   * whose scope must then name this vehicle or its fleet).
   */
  handle(topicTaskId: string | null, payload: Buffer, source: string, audience: Audience = null): void {
    this.stats.messages += 1;
    const topicKey = `${audience ?? 'file'}:${topicTaskId ?? source}`;
    if (this.lastPayload.repeat(topicKey, payload)) {
      this.stats.duplicates += 1;
      this.logger.debug({ taskId: topicTaskId?.slice(0, 128), source }, 'task message repeated; counted');
      return;
    }
    if (payload.length === 0) {
      if (topicTaskId !== null) this.handleEmpty(topicTaskId, audience);
      return;
    }
    const parsed = parseTaskMessage(payload, this.options.knownLabels, this.limits);
    if (!parsed.ok) {
      this.reject(parsed.taskId ?? topicTaskId ?? '', parsed.revision ?? null, parsed.errors, source);
      return;
    }
    const message = parsed.kind === 'task' ? parsed.task : parsed.withdrawal;
    const scope = scopeProblem(message.scope, audience, this.options.ids, this.signaturesEnforced);
    if (scope !== null) {
      this.reject(message.id, message.revision, [{ path: 'scope', message: scope }], source);
      return;
    }
    if (topicTaskId !== null && message.id !== topicTaskId) {
      const errors = [{ path: 'id', message: `the id "${message.id}" differs from the topic's task id` }];
      this.reject(topicTaskId, message.revision, errors, source);
      return;
    }
    if (parsed.kind === 'withdrawal') this.withdraw(parsed.withdrawal, source);
    else this.take(parsed.task, payload, source, audience, topicKey);
  }

  private take(task: Task, payload: Buffer, source: string, audience: Audience, topicKey: string): void {
    const nowMs = this.clock.nowMs();
    const verdict = judgeTask(task.revision, task.validUntilMs, this.stateOf(task.id), nowMs);
    if (verdict.kind === 'reject') {
      this.reject(task.id, task.revision, [verdict.error], source);
      return;
    }
    if (verdict.kind === 'expire') {
      this.raise(task.id, { revision: task.revision, ended: true });
      this.forget(task.id);
      this.logger.info({ taskId: task.id, revision: task.revision, source }, 'task expired');
      this.ack({ taskId: task.id, revision: task.revision, status: 'expired', errors: [] });
      return;
    }
    if (verdict.kind === 'unchanged') {
      // Held already at this revision (a retained copy again after a reconnect): answered, not audited again.
      this.stats.duplicates += 1;
      this.sendAck(boundAck({ taskId: task.id, revision: task.revision, status: 'accepted' as const, errors: [] }));
      return;
    }
    const room = this.budget.roomFor(task.id, payload.length, {
      count: this.registry.size,
      replacing: this.registry.get(task.id) !== undefined,
      idsKnown: this.revisions.size,
      idKnown: this.revisions.has(task.id),
    });
    if (room !== null) {
      // Not final: the same message may fit once other tasks are gone, so it is not counted as a repeat then.
      this.lastPayload.forget(topicKey);
      this.reject(task.id, task.revision, [{ path: '', message: room }], source);
      return;
    }
    const outcome = this.registry.upsert(task);
    this.budget.hold(task.id, payload.length);
    this.raise(task.id, { revision: task.revision, ended: false });
    if (source === 'mqtt') {
      this.fromMqtt.set(task.id, audience);
      this.persist(() =>
        this.store?.save({ id: task.id, revision: task.revision, payload, acceptedAtMs: nowMs, audience, areaChecked: this.areaCheckMark }),
      );
    } else {
      this.fromMqtt.delete(task.id);
      this.persist(() => this.store?.remove(task.id));
    }
    try {
      this.options.onTaskChanged?.(task);
    } catch (err) {
      this.logger.error({ taskId: task.id, err: (err as Error).message }, 'task change not applied');
    }
    this.logger.info({ taskId: task.id, revision: task.revision, outcome, activeNow: isActive(task, nowMs), source }, 'task accepted');
    this.ack({ taskId: task.id, revision: task.revision, status: 'accepted', errors: [] });
  }

  private withdraw(withdrawal: Withdrawal, source: string): void {
    const verdict = judgeWithdrawal(withdrawal.revision, this.stateOf(withdrawal.id));
    if (verdict.kind === 'reject') {
      this.reject(withdrawal.id, withdrawal.revision, [verdict.error], source);
      return;
    }
    if (verdict.kind === 'repeat') {
      this.stats.duplicates += 1;
      this.sendAck(boundAck({ taskId: withdrawal.id, revision: withdrawal.revision, status: 'withdrawn' as const, errors: [] }));
      return;
    }
    this.raise(withdrawal.id, { revision: withdrawal.revision, ended: true });
    const known = this.forget(withdrawal.id);
    this.logger.info({ taskId: withdrawal.id, revision: withdrawal.revision, known, source }, 'task withdrawn');
    this.ack({ taskId: withdrawal.id, revision: withdrawal.revision, status: 'withdrawn', errors: [] });
  }

  /**
   * An empty payload clears a broker's retained copy. While signatures are enforced it changes nothing (anyone on
   * the broker can send one): recorded once per topic. Otherwise it withdraws, and the revision held stays the
   * highest seen, ended.
   */
  private handleEmpty(taskId: string, audience: Audience): void {
    if (this.signaturesEnforced) {
      this.stats.emptyIgnored += 1;
      this.logger.info({ taskId: taskId.slice(0, 128), audience }, 'empty task message ignored: only a signed withdrawal ends a task');
      this.taskAudit.recordCleared(boundAck({ taskId, revision: null, status: 'withdrawn', errors: [] }).taskId, audience ?? 'file');
      return;
    }
    const held = this.registry.get(taskId)?.revision;
    if (held !== undefined) this.raise(taskId, { revision: held, ended: true });
    const known = this.forget(taskId);
    this.logger.info({ taskId: taskId.slice(0, 128), known }, 'task withdrawn (empty payload; unsigned tasks allowed)');
    this.ack({ taskId, revision: null, status: 'withdrawn', errors: [] });
  }

  /** Drops every task past its validUntil, with an `expired` ack. */
  dropExpired(): void {
    const nowMs = this.clock.nowMs();
    for (const task of this.registry.all()) {
      if (nowMs < task.validUntilMs) continue;
      this.raise(task.id, { revision: task.revision, ended: true });
      this.forget(task.id);
      this.logger.info({ taskId: task.id, revision: task.revision }, 'task expired');
      this.ack({ taskId: task.id, revision: task.revision, status: 'expired', errors: [] });
    }
  }

  /**
   * The tasks that stand, after a (re)connect or a new manifest: a task from MQTT not among them was withdrawn while
   * the vehicle was away. A signed manifest says so whatever the mode; the retained topics only while signatures
   * are not enforced — then a missing retained copy proves nothing (the broker can drop it), and only a signed
   * withdrawal or manifest ends a task.
   */
  private reconcile(heard: ReadonlySet<string>, source: TaskSyncSource): void {
    if (this.signaturesEnforced && source === 'retained') return;
    for (const taskId of [...this.fromMqtt.keys()]) {
      if (heard.has(taskId)) continue;
      const revision = this.registry.get(taskId)?.revision ?? null;
      // Dropped by the retained topics: that revision is over. A manifest may list the same revision again later.
      if (revision !== null && source === 'retained') this.raise(taskId, { revision, ended: true });
      this.forget(taskId);
      this.logger.info({ taskId, revision }, 'task withdrawn while offline');
      this.ack({ taskId, revision, status: 'withdrawn', errors: [] });
    }
  }

  /**
   * Tasks accepted before the last shutdown, checked again as if they had just arrived (the SD card is not trusted:
   * signature, scope and schema), except the costly area geometry where it passed under the same limits before.
   */
  private loadStored(): void {
    if (this.store === undefined) return;
    let stored;
    try {
      this.revisions = this.store.revisions();
      stored = this.store.load();
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'task store unreadable; starting without stored tasks');
      return;
    }
    const nowMs = this.clock.nowMs();
    for (const item of stored) {
      const parsed = parseTaskMessage(item.payload, this.options.knownLabels, this.limits, { areaChecked: item.areaChecked === this.areaCheckMark });
      const problem = !parsed.ok
        ? parsed.errors
        : parsed.kind !== 'task' || parsed.task.id !== item.id || parsed.task.revision !== item.revision
          ? [{ path: '', message: 'the stored message is not the task it is filed as' }]
          : null;
      const scope = parsed.ok ? scopeProblem(parsed.kind === 'task' ? parsed.task.scope : undefined, item.audience, this.options.ids, this.signaturesEnforced) : null;
      if (problem !== null || scope !== null || !parsed.ok || parsed.kind !== 'task') {
        this.logger.warn({ taskId: item.id, errors: problem ?? [{ path: 'scope', message: scope }] }, 'stored task no longer valid; dropped');
        this.persist(() => this.store?.remove(item.id));
        continue;
      }
      const seen = this.revisions.get(item.id);
      if (seen !== undefined && (seen.revision > item.revision || seen.ended)) {
        this.persist(() => this.store?.remove(item.id));
        continue;
      }
      if (nowMs >= parsed.task.validUntilMs) {
        this.raise(item.id, { revision: item.revision, ended: true });
        this.persist(() => this.store?.remove(item.id));
        this.logger.info({ taskId: item.id, revision: item.revision }, 'stored task expired');
        this.ack({ taskId: item.id, revision: item.revision, status: 'expired', errors: [] });
        continue;
      }
      this.registry.upsert(parsed.task);
      this.budget.hold(item.id, item.payload.length);
      this.raise(item.id, { revision: item.revision, ended: false });
      this.fromMqtt.set(item.id, item.audience);
      if (item.areaChecked !== this.areaCheckMark) {
        this.persist(() => this.store?.save({ ...item, areaChecked: this.areaCheckMark }));
      }
    }
    this.logger.info({ tasks: this.registry.size }, 'stored tasks loaded');
  }

  private stateOf(taskId: string): RevisionState {
    return { seen: this.revisions.get(taskId), held: this.registry.get(taskId)?.revision };
  }

  private raise(taskId: string, seen: RevisionSeen): void {
    const current = this.revisions.get(taskId);
    if (current !== undefined && (current.revision > seen.revision || (current.revision === seen.revision && (current.ended || !seen.ended)))) return;
    this.revisions.set(taskId, seen);
    this.persist(() => this.store?.raiseRevision(taskId, seen));
  }

  private forget(taskId: string): boolean {
    this.fromMqtt.delete(taskId);
    this.budget.release(taskId);
    // A later message with the same bytes as one before must be judged again (e.g. a task file after a withdrawal).
    for (const key of [`fleet:${taskId}`, `vehicle:${taskId}`]) this.lastPayload.forget(key);
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

  /** The limits an area was checked under; a stored task with the same mark is not checked again. */
  private get areaCheckMark(): string {
    return `v${AREA_CHECK_VERSION}:${this.limits.maxAreaKm2}:${MAX_AREA_VERTICES}`;
  }

  private reject(taskId: string, revision: number | null, errors: readonly FieldError[], source: string): void {
    this.stats.rejected += 1;
    const ack = boundAck({ taskId, revision, status: 'rejected' as const, errors });
    const itemised = this.taskAudit.record(ack);
    if (!itemised) this.stats.rejectionsNotItemised += 1;
    // Past the audit's itemising rate the log goes quiet too: a flood must not fill the journal.
    (itemised ? this.logger.warn : this.logger.debug).call(this.logger, { taskId: ack.taskId, errors: ack.errors, source }, 'task rejected');
    this.sendAck(ack);
  }

  private ack(ack: TaskAck): void {
    const bounded = boundAck(ack);
    this.taskAudit.record(bounded);
    this.sendAck(bounded);
  }

  private sendAck(ack: TaskAck): void {
    // Not awaited: while the broker is away, acks wait in the client's queue and must not hold up the registry.
    this.channel.publishAck(ack).catch((err: Error) => this.logger.warn({ err: err.message, taskId: ack.taskId }, 'ack not sent'));
  }
}
