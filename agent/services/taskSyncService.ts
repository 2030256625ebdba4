// Keeps the tasks held in step with the signed manifests: subscribes so that no broker queue overflows (manifests,
// task wildcards without their retained copies, missing tasks a few dozen at a time), resumes a kept session without
// subscribing again, and says in the status how many assigned tasks are held. Without a manifest: as before.
import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { parseManifest, type ManifestScope, type ReceivedManifest } from '../core/tasks/manifest.ts';
import type { TaskRegistry } from '../core/tasks/taskRegistry.ts';
import { TaskSyncState, type ExpectedTask, type TaskSyncDetail } from '../core/tasks/taskSync.ts';
import type { AuditTrail } from '../ports/auditTrail.ts';
import type { ManifestStore } from '../ports/manifestStore.ts';
import type { ConnectInfo, SyncChannel } from '../ports/syncChannel.ts';

export interface TaskSyncOptions {
  readonly vehicleId: string;
  readonly fleetId: string;
  readonly publicKeys: readonly KeyObject[];
  readonly maxManifestBytes: number;
  /** Task topics subscribed at once while fetching missing tasks; a broker queue (Mosquitto: 1,000) must hold them. */
  readonly batchSize?: number;
  /** How long to wait for the marker behind a batch or a queue, ms. */
  readonly roundTripTimeoutMs?: number;
  /** After a fetch left tasks that the broker does not have, ask again after this long, ms. */
  readonly retryMs?: number;
  /** A resumed session that brings this many queued messages may have lost some (the broker's queue limit). */
  readonly suspectQueued?: number;
}

/** Batches fetched at the same time: with 50 topics each, at most 200 retained copies wait for us at the broker. */
const BATCHES_IN_FLIGHT = 4;

export type SyncMode = 'starting' | 'manifest' | 'no-manifest';

export class TaskSyncService {
  readonly state: TaskSyncState;
  private readonly removers: (() => void)[] = [];
  private mode: SyncMode = 'starting';
  /** Subscriptions set up on the broker session in use: a resumed session needs none. */
  private subscribedThisProcess = false;
  /** Task topics of a batch subscribed and not yet unsubscribed (left over in a kept session after a cut). */
  private readonly batchTopics = new Set<string>();
  private running: Promise<void> | null = null;
  /** A connect or a new manifest asked for another pass while one ran. */
  private again: ConnectInfo | 'check' | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private lastSyncedLog = '';
  /** The manifest revisions whose task list was last handed to the task service. */
  private announced = '';

  constructor(
    private readonly options: TaskSyncOptions,
    private readonly channel: SyncChannel,
    private readonly registry: TaskRegistry,
    private readonly store: ManifestStore | null,
    private readonly logger: Logger,
    private readonly audit: (() => AuditTrail) | null = null,
  ) {
    this.state = new TaskSyncState((id) => registry.get(id)?.revision);
  }

  /** Loads the stored manifests and takes over the subscriptions; call after the task service listens. */
  async start(): Promise<void> {
    this.stopped = false;
    this.loadStored();
    this.removers.push(this.channel.onManifest((scope, payload) => this.onManifest(scope, payload, true)));
    this.removers.push(this.channel.onAck((ack) => this.state.noteAnswer(ack.taskId, ack.revision, ack.status)));
    this.removers.push(this.channel.onConnected((info) => this.kick(info)));
    if (this.channel.connected) this.kick({ sessionPresent: this.channel.resumedSession });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const remove of this.removers.splice(0)) remove();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.running?.catch(() => undefined);
  }

  /** A connect or a fetch is being worked on. */
  get busy(): boolean {
    return this.running !== null;
  }

  get syncMode(): SyncMode {
    return this.mode;
  }

  /** The status's taskSync and the health's reasons; null while the vehicle has no manifest. */
  figures(): TaskSyncDetail | null {
    return this.state.hasManifest ? this.state.figures() : null;
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 50;
  }

  private get timeoutMs(): number {
    return this.options.roundTripTimeoutMs ?? 30_000;
  }

  /** Runs one pass at a time; what arrives meanwhile is remembered and run after it. */
  private kick(reason: ConnectInfo | 'check'): void {
    if (this.stopped) return;
    if (this.running !== null) {
      // A connect outranks a check: it has to set up the session.
      if (this.again === null || this.again === 'check') this.again = reason;
      return;
    }
    this.running = this.pass(reason)
      .catch((err: Error) => {
        // Cut off: the next connect starts over. Still connected (a marker the broker dropped): try again later.
        const connected = this.channel.connected;
        this.logger.warn({ err: err.message, connected }, connected ? 'task sync failed; tried again later' : 'task sync interrupted; continues on the next connect');
        if (connected) this.scheduleRetry(reason);
      })
      .finally(() => {
        this.running = null;
        const next = this.again;
        this.again = null;
        if (next !== null && this.channel.connected) this.kick(next);
      });
  }

  private async pass(reason: ConnectInfo | 'check'): Promise<void> {
    if (!this.channel.connected) return;
    if (reason !== 'check') await this.onConnect(reason);
    if (!this.state.hasManifest) {
      if (this.mode !== 'no-manifest') this.logger.info('no task manifest: every retained task is read on each connect');
      this.mode = 'no-manifest';
      if (reason !== 'check') this.channel.resyncAll();
      return;
    }
    if (this.mode === 'no-manifest') {
      // Manifests took over: the wildcards stay for live changes, without their retained copies from now on.
      await this.subscribeTaskWildcards(2);
    }
    this.mode = 'manifest';
    // Tasks not listed are withdrawn only when a manifest is new (or on a connect): a task published after the last
    // manifest, ahead of the manifest that lists it, must not be taken for withdrawn by a retry in between.
    const revisions = `${this.state.manifest('vehicle')?.revision ?? '-'}/${this.state.manifest('fleet')?.revision ?? '-'}`;
    if (reason !== 'check' || revisions !== this.announced) {
      this.announced = revisions;
      this.channel.announceSynced(new Set(this.state.expected().keys()));
    }
    await this.fetchMissing();
  }

  /** Sets up or resumes the session; afterwards every manifest the broker has for us has arrived. */
  private async onConnect({ sessionPresent }: ConnectInfo): Promise<void> {
    const receivedBefore = this.channel.stats.messagesReceived;
    if (sessionPresent && this.subscribedThisProcess) {
      // The broker kept our subscriptions: what changed meanwhile is queued for us. Subscribing again would bring
      // every retained task again, which is what a kept session is there to spare.
      if (this.batchTopics.size > 0) {
        const leftover = [...this.batchTopics];
        this.batchTopics.clear();
        await this.channel.unsubscribe(leftover);
      }
    } else {
      // A new session, or the first connect of this process: the marker topic, the task wildcards for live changes
      // without their retained copies (MQTT 5; with 3.1.1 changes come through the manifests), and the manifests
      // (in a kept session only when the subscription is new: rh 1).
      await this.channel.subscribe([{ topic: this.channel.markerTopic, retainHandling: 2 }]);
      if (this.mode !== 'no-manifest') await this.subscribeTaskWildcards(2);
      await this.channel.subscribe(
        (['vehicle', 'fleet'] as const).map((scope) => ({ topic: this.channel.manifestTopic(scope), retainHandling: sessionPresent ? 1 : 0 })),
      );
    }
    let complete = true;
    try {
      await this.channel.roundTrip(this.timeoutMs);
    } catch (err) {
      if (!this.channel.connected) throw err;
      complete = false;
    }
    this.subscribedThisProcess = true;
    const queued = this.channel.stats.messagesReceived - receivedBefore;
    if (sessionPresent) this.logger.info({ queued, complete }, 'session resumed: queued messages received');
    // A full broker queue drops what comes after it, silently (a manifest too): then the manifests are read again.
    // A kept session without a manifest known here (a new data folder) reads them too: rh 1 sent none.
    const suspect = queued >= (this.options.suspectQueued ?? 1_000) || !this.state.hasManifest;
    if (!complete || (sessionPresent && suspect)) await this.readManifests(0);
  }

  private async readManifests(retainHandling: 0 | 1): Promise<void> {
    await this.channel.subscribe(
      (['vehicle', 'fleet'] as const).map((scope) => ({ topic: this.channel.manifestTopic(scope), retainHandling })),
    );
    await this.channel.roundTrip(this.timeoutMs);
  }

  private async subscribeTaskWildcards(retainHandling: 0 | 2): Promise<void> {
    if (this.channel.protocolVersion !== 5) return;
    await this.channel.subscribe(this.channel.taskWildcards.map((topic) => ({ topic, retainHandling })));
  }

  /**
   * Subscribes the missing tasks' topics a batch at a time, each batch ended by a marker, a few batches in flight
   * (at most batchSize × BATCHES_IN_FLIGHT retained copies queued for us), until none is missing.
   */
  private async fetchMissing(): Promise<void> {
    const startedMs = Date.now();
    let fetched = 0;
    for (;;) {
      const list = this.state.toFetch();
      if (list.length === 0) break;
      let next = 0;
      const worker = async () => {
        while (next < list.length && !this.stopped && this.channel.connected) {
          const batch = list.slice(next, next + this.batchSize);
          next += batch.length;
          await this.fetchBatch(batch);
          fetched += batch.length;
        }
      };
      await Promise.all(Array.from({ length: BATCHES_IN_FLIGHT }, worker));
      if (this.stopped || !this.channel.connected) return;
    }
    const figures = this.state.figures();
    const line = JSON.stringify(figures);
    if (fetched > 0 || line !== this.lastSyncedLog) {
      this.logger.info({ ...figures, fetched, ms: Date.now() - startedMs }, 'tasks checked against the manifest');
      this.lastSyncedLog = line;
    }
    if (figures.notOnBroker > 0) this.scheduleRetry();
  }

  private async fetchBatch(batch: readonly ExpectedTask[]): Promise<void> {
    const topics = batch.map((t) => this.channel.taskTopic(t.scope, t.id));
    for (const topic of topics) this.batchTopics.add(topic);
    await this.channel.subscribe(topics.map((topic) => ({ topic, retainHandling: 0 as const })));
    await this.channel.roundTrip(this.timeoutMs);
    await this.channel.unsubscribe(topics);
    for (const topic of topics) this.batchTopics.delete(topic);
    // What the broker had for these topics has arrived (and been taken or refused); the rest it does not have.
    this.state.noteAbsent(batch);
  }

  /** Asks for absent tasks again after retryS; `reason` is what to run then (a failed connect runs again). */
  private scheduleRetry(reason: ConnectInfo | 'check' = 'check'): void {
    if (this.retryTimer !== null || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.state.retryAbsent();
      this.kick(reason);
    }, this.options.retryMs ?? 60_000);
    this.retryTimer.unref();
  }

  private onManifest(scope: 'vehicle' | 'fleet', payload: Buffer, live: boolean): void {
    if (payload.length === 0) return; // a cleared retained topic: the last manifest taken stays in force
    const expected: ManifestScope = scope === 'vehicle' ? { vehicleId: this.options.vehicleId } : { fleetId: this.options.fleetId };
    const parsed = parseManifest(payload, expected, { maxBytes: this.options.maxManifestBytes, publicKeys: this.options.publicKeys });
    if (!parsed.ok) {
      this.logger.warn({ scope, revision: parsed.revision, errors: parsed.errors }, 'manifest rejected');
      this.record('manifest-rejected', { scope, revision: parsed.revision ?? null, errors: parsed.errors });
      return;
    }
    const outcome = this.state.offer(parsed.manifest);
    if (outcome === 'stale') {
      const held = this.state.manifest(scope)?.revision;
      const errors = [{ path: 'revision', message: `revision ${parsed.manifest.revision} is older than revision ${held} already held` }];
      this.logger.warn({ scope, revision: parsed.manifest.revision, held }, 'manifest rejected: stale revision');
      this.record('manifest-rejected', { scope, revision: parsed.manifest.revision, errors });
      return;
    }
    if (outcome === 'unchanged') return;
    this.accepted(parsed.manifest, payload, live);
  }

  private accepted(manifest: ReceivedManifest, payload: Buffer, live: boolean): void {
    this.logger.info({ scope: manifest.scope, revision: manifest.revision, tasks: manifest.tasks.size }, 'manifest accepted');
    if (!live) return;
    try {
      this.store?.save({ scope: manifest.scope, revision: manifest.revision, payload });
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'manifest store write failed');
    }
    this.record('manifest-accepted', { scope: manifest.scope, revision: manifest.revision, tasks: manifest.tasks.size });
    // While a connect is being set up its pass checks afterwards; a manifest that arrives later starts a check.
    this.kick('check');
  }

  private loadStored(): void {
    if (this.store === null) return;
    let stored;
    try {
      stored = this.store.load();
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'manifest store unreadable; starting without a manifest');
      return;
    }
    for (const item of stored) this.onManifest(item.scope, item.payload, false);
  }

  private record(kind: 'manifest-accepted' | 'manifest-rejected', detail: Record<string, unknown>): void {
    if (this.audit === null) return;
    try {
      this.audit().record({ kind, detail });
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'audit record not written');
    }
  }
}

export type { ExpectedTask };
