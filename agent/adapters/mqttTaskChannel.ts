// The MQTT side of the task contract: subscribes to task topics (or lets the task sync choose them), publishes acks
// and a retained status with a last will.
import { randomBytes } from 'node:crypto';
import mqtt, { type ISubscriptionMap, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { withoutCredentials } from '../core/transport/urls.ts';
import { taskTopicOf, topicsFor, type TopicIds } from '../core/tasks/topics.ts';
import type { ObservationSink } from '../ports/observationSink.ts';
import type { TaskAck, TaskChannel, TaskMessageListener, TaskSyncListener, TaskSyncSource } from '../ports/taskChannel.ts';
import type { ConnectInfo, ManifestListener, Subscription, SyncChannel, SyncChannelStats } from '../ports/syncChannel.ts';
import { mqttConnectOptions, type MqttTaskChannelOptions } from './mqttConnectOptions.ts';

/** Task messages held before anyone listens, in bytes at most. */
const MAX_PENDING_BYTES = 32 * 1024 * 1024;

/** Task messages that arrive before the task service listens are held, up to this many, rather than lost. */
const MAX_PENDING = 1_000;

/** How long a stop waits for the broker to take the "offline" status. */
const STOP_GRACE_MS = 2_000;

export class MqttTaskChannel implements TaskChannel, ObservationSink, SyncChannel {
  private client: MqttClient | null = null;
  private readonly listeners = new Set<TaskMessageListener>();
  private readonly syncListeners = new Set<TaskSyncListener>();
  private readonly connectListeners = new Set<(info: ConnectInfo) => void>();
  private readonly manifestListeners = new Set<ManifestListener>();
  private readonly ackListeners = new Set<(ack: TaskAck) => void>();
  /** Round trips waiting for their marker on the sync topic: nonce → settle. */
  private readonly roundTrips = new Map<string, (err: Error | null) => void>();
  private sessionPresent = false;
  private readonly counters = { bytesReceived: 0, messagesReceived: 0, connects: 0, sessionsResumed: 0 };
  private readonly topics: ReturnType<typeof topicsFor>;
  private readonly syncTopic: string;
  private pending: [string, Buffer, 'fleet' | 'vehicle'][] = [];
  private pendingBytes = 0;
  private lastSync: { readonly ids: ReadonlySet<string>; readonly source: TaskSyncSource } | null = null;
  /** Task ids heard since the current connection began; null once the sync is over. */
  private heard: Set<string> | null = null;
  private syncNonce = '';
  /** The last status published: sent again on every reconnect, replacing the "offline" of the last will. */
  private lastStatus: string | null = null;

  constructor(
    private readonly options: MqttTaskChannelOptions,
    private readonly logger: Logger,
  ) {
    this.topics = topicsFor(options);
    this.syncTopic = `${options.prefix}/vehicle/${options.vehicleId}/sync`;
  }

  get protocolVersion(): 4 | 5 {
    return this.options.protocolVersion ?? 5;
  }

  /** Whether the broker kept the session of the current (or last) connection. */
  get resumedSession(): boolean {
    return this.sessionPresent;
  }

  get stats(): SyncChannelStats {
    return { ...this.counters };
  }

  /** Resolves once connected, or after the first failed attempt (it keeps trying); throws only on unreadable TLS files. */
  async start(signal: AbortSignal): Promise<void> {
    const client = mqtt.connect(this.options.url, {
      ...(await mqttConnectOptions(this.options)),
      // With the sync in charge, mqtt.js must not subscribe again by itself (it would bring the retained flood back).
      ...(this.options.managedSync === true ? { resubscribe: false } : {}),
    });
    this.client = client;
    client.on('message', (topic, payload) => this.dispatch(topic, payload));
    client.on('error', (err) => this.logger.warn({ err: err.message }, 'mqtt error'));
    client.on('offline', () => this.logger.warn('mqtt broker unreachable; retrying'));
    client.on('packetreceive', (packet) => {
      // The bytes of the packet on the wire: fixed header (1), remaining-length varint (1–4), the rest.
      const length = packet.length ?? 0;
      this.counters.bytesReceived += 1 + (length < 128 ? 1 : length < 16_384 ? 2 : length < 2_097_152 ? 3 : 4) + length;
    });
    client.on('close', () => this.failRoundTrips(new Error('the connection to the broker closed')));
    client.on('connect', (connack) => {
      this.sessionPresent = connack.sessionPresent === true;
      this.counters.connects += 1;
      if (this.sessionPresent) this.counters.sessionsResumed += 1;
      this.logger.info({ url: withoutCredentials(this.options.url), sessionPresent: this.sessionPresent }, 'mqtt connected');
      if (this.lastStatus !== null) client.publish(this.topics.status, this.lastStatus, { qos: 1, retain: true });
      if (this.options.managedSync !== true) this.resyncAll();
      const info: ConnectInfo = { sessionPresent: this.sessionPresent };
      for (const listener of this.connectListeners) {
        try {
          listener(info);
        } catch (err) {
          this.logger.error({ err }, 'connect listener failed');
        }
      }
    });
    await new Promise<void>((resolve) => {
      // A refused login (bad password, certificate) ends in 'error' or 'close', not 'offline': start must not hang on it.
      const events = ['connect', 'offline', 'error', 'close'] as const;
      const done = () => {
        for (const event of events) client.off(event, done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      for (const event of events) client.once(event, done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client === null) return;
    if (client.connected) {
      const offline = client.publishAsync(this.topics.status, JSON.stringify({ state: 'offline' }), { qos: 1, retain: true });
      await Promise.race([offline.catch(() => undefined), new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref())]);
    }
    // While the broker is away a graceful end would wait for it forever (mqtt.js waits for in-flight QoS 1 acks).
    // Nothing is lost by not waiting: observations stay in their outbox until acknowledged, and the retained task
    // topics are read again on the next connect.
    await client.endAsync(!client.connected);
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  onTaskMessage(listener: TaskMessageListener): () => void {
    this.listeners.add(listener);
    this.pendingBytes = 0;
    for (const [taskId, payload, audience] of this.pending.splice(0)) this.deliver(taskId, payload, audience);
    return () => this.listeners.delete(listener);
  }

  onSynced(listener: TaskSyncListener): () => void {
    this.syncListeners.add(listener);
    // A sync that finished before anyone listened is handed over once, after the held task messages.
    if (this.lastSync !== null) this.notifySynced(listener, this.lastSync.ids, this.lastSync.source);
    return () => this.syncListeners.delete(listener);
  }

  async publishAck(ack: TaskAck): Promise<void> {
    for (const listener of this.ackListeners) {
      try {
        listener(ack);
      } catch (err) {
        this.logger.error({ err }, 'ack listener failed');
      }
    }
    await this.publish(this.topics.acks, JSON.stringify(ack), false);
  }

  onConnected(listener: (info: ConnectInfo) => void): () => void {
    this.connectListeners.add(listener);
    return () => this.connectListeners.delete(listener);
  }

  async publishObservation(payload: string): Promise<void> {
    await this.publish(this.topics.observations, payload, false);
  }

  /** The signed audit head, retained: the broker keeps the latest for the central side. */
  async publishAuditHead(head: string): Promise<void> {
    await this.publish(this.topics.audit, head, true);
  }

  async publishStatus(status: Record<string, unknown>): Promise<void> {
    this.lastStatus = JSON.stringify(status);
    await this.publish(this.topics.status, this.lastStatus, true);
  }

  private async publish(topic: string, payload: string, retain: boolean): Promise<void> {
    if (this.client === null) throw new Error('mqtt channel is not started');
    await this.client.publishAsync(topic, payload, { qos: 1, retain });
  }

  /**
   * Subscribes the task wildcards afresh, so the broker sends every retained task, then marks the end of them with a
   * message of our own: what today's vehicles without a manifest do on every connect.
   */
  resyncAll(): void {
    const client = this.client;
    if (client === null) return;
    this.heard = new Set();
    this.syncNonce = randomBytes(8).toString('hex');
    const nonce = this.syncNonce;
    // `resubscribe` makes mqtt.js send a SUBSCRIBE it thinks is already in place: only a fresh one brings the retained.
    const subscriptions = {
      [this.topics.fleetTasks]: { qos: 1 },
      [this.topics.vehicleTasks]: { qos: 1 },
      [this.syncTopic]: { qos: 1 },
      resubscribe: true,
    } as ISubscriptionMap;
    client.subscribe(subscriptions, (err) => {
      if (err) {
        this.logger.error({ err: err.message }, 'mqtt subscribe failed');
        return;
      }
      // The broker sends retained messages right after the SUBACK; a message of our own behind them marks their end.
      client.publish(this.syncTopic, nonce, { qos: 1 });
    });
  }

  onManifest(listener: ManifestListener): () => void {
    this.manifestListeners.add(listener);
    return () => this.manifestListeners.delete(listener);
  }

  onAck(listener: (ack: TaskAck) => void): () => void {
    this.ackListeners.add(listener);
    return () => this.ackListeners.delete(listener);
  }

  manifestTopic(scope: 'vehicle' | 'fleet'): string {
    const o = this.options;
    return scope === 'vehicle' ? `${o.prefix}/vehicle/${o.vehicleId}/manifest` : `${o.prefix}/fleet/${o.fleetId}/manifest`;
  }

  taskTopic(scope: 'vehicle' | 'fleet', taskId: string): string {
    const o = this.options;
    return scope === 'vehicle' ? `${o.prefix}/vehicle/${o.vehicleId}/tasks/${taskId}` : `${o.prefix}/fleet/${o.fleetId}/tasks/${taskId}`;
  }

  get taskWildcards(): readonly string[] {
    return [this.topics.fleetTasks, this.topics.vehicleTasks];
  }

  get markerTopic(): string {
    return this.syncTopic;
  }

  async subscribe(subscriptions: readonly Subscription[]): Promise<void> {
    const client = this.requireClient();
    const map: ISubscriptionMap = {};
    for (const sub of subscriptions) map[sub.topic] = { qos: 1, ...(this.protocolVersion === 5 ? { rh: sub.retainHandling } : {}) };
    const granted = await client.subscribeAsync(map);
    const refused = granted.filter((g) => g.qos !== 0 && g.qos !== 1 && g.qos !== 2);
    if (refused.length > 0) throw new Error(`the broker refused the subscription to ${refused.map((g) => g.topic).join(', ')}`);
  }

  async unsubscribe(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return;
    await this.requireClient().unsubscribeAsync([...topics]);
  }

  /**
   * Publishes a marker to the vehicle's own sync topic and resolves when it comes back: the broker delivers it behind
   * every message it had queued or was sending for this client (retained copies after a SUBSCRIBE included).
   * Rejects when the connection closes or no marker came within timeoutMs (the broker may have dropped it).
   */
  async roundTrip(timeoutMs: number): Promise<void> {
    const client = this.requireClient();
    const nonce = randomBytes(8).toString('hex');
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => settle(new Error(`no marker back from the broker within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
      const settle = (err: Error | null) => {
        clearTimeout(timer);
        this.roundTrips.delete(nonce);
        if (err === null) resolve();
        else reject(err);
      };
      this.roundTrips.set(nonce, settle);
    });
    client.publish(this.syncTopic, nonce, { qos: 1 }, (err) => {
      if (err) this.roundTrips.get(nonce)?.(err);
    });
    await done;
  }

  /** Hands every sync listener the tasks that stand (the task service then withdraws tasks from MQTT not among them). */
  announceSynced(taskIds: ReadonlySet<string>): void {
    this.lastSync = { ids: taskIds, source: 'manifest' };
    for (const listener of this.syncListeners) this.notifySynced(listener, taskIds, 'manifest');
  }

  private failRoundTrips(err: Error): void {
    for (const settle of [...this.roundTrips.values()]) settle(err);
  }

  private requireClient(): MqttClient {
    if (this.client === null || !this.client.connected) throw new Error('not connected to the broker');
    return this.client;
  }

  private dispatch(topic: string, payload: Buffer): void {
    if (topic === this.syncTopic) {
      const settle = this.roundTrips.get(payload.toString());
      if (settle !== undefined) {
        settle(null);
        return;
      }
      if (this.heard !== null && payload.toString() === this.syncNonce) {
        const heard: ReadonlySet<string> = this.heard;
        this.heard = null;
        this.lastSync = { ids: heard, source: 'retained' };
        this.logger.info({ tasksHeard: heard.size }, 'retained tasks synced');
        for (const listener of this.syncListeners) this.notifySynced(listener, heard, 'retained');
      }
      return;
    }
    this.counters.messagesReceived += 1;
    const manifestScope = topic === this.manifestTopic('vehicle') ? 'vehicle' : topic === this.manifestTopic('fleet') ? 'fleet' : null;
    if (manifestScope !== null) {
      for (const listener of this.manifestListeners) {
        try {
          listener(manifestScope, payload);
        } catch (err) {
          this.logger.error({ err, topic }, 'manifest listener failed');
        }
      }
      return;
    }
    const task = taskTopicOf(topic, this.options);
    if (task === null) return;
    const { taskId, audience } = task;
    this.heard?.add(taskId);
    if (this.listeners.size === 0) {
      if (this.pending.length < MAX_PENDING && this.pendingBytes + payload.length <= MAX_PENDING_BYTES) {
        this.pending.push([taskId, payload, audience]);
        this.pendingBytes += payload.length;
      } else this.logger.error({ taskId: taskId.slice(0, 128) }, 'task message dropped: nobody listens yet and the hold is full');
      return;
    }
    this.deliver(taskId, payload, audience);
  }

  private deliver(taskId: string, payload: Buffer, audience: 'fleet' | 'vehicle'): void {
    for (const listener of this.listeners) {
      try {
        listener(taskId, payload, audience);
      } catch (err) {
        this.logger.error({ err, taskId: taskId.slice(0, 128) }, 'task listener failed');
      }
    }
  }

  private notifySynced(listener: TaskSyncListener, heard: ReadonlySet<string>, source: TaskSyncSource): void {
    try {
      listener(heard, source);
    } catch (err) {
      this.logger.error({ err }, 'task sync listener failed');
    }
  }
}
