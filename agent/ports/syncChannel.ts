// Sync channel port: what the task sync needs of the broker connection — choose subscriptions, mark the end of what
// the broker sends, hear manifests, and see every ack the vehicle gives.
import type { TaskAck } from './taskChannel.ts';

export interface ConnectInfo {
  /** The broker kept this client's session (MQTT 5 / 3.1.1 session present): its subscriptions and queue are intact. */
  readonly sessionPresent: boolean;
}

export type ManifestListener = (scope: 'vehicle' | 'fleet', payload: Buffer) => void;

export interface Subscription {
  readonly topic: string;
  /** MQTT 5 retain handling: 0 send retained on subscribe, 1 only when the subscription is new, 2 never. */
  readonly retainHandling: 0 | 1 | 2;
}

export interface SyncChannelStats {
  /** MQTT bytes received since start (headers included, TLS not). */
  readonly bytesReceived: number;
  /** Messages received on task and manifest topics since start. */
  readonly messagesReceived: number;
  readonly connects: number;
  /** Connects where the broker had kept the session. */
  readonly sessionsResumed: number;
}

export interface SyncChannel {
  readonly protocolVersion: 4 | 5;
  readonly connected: boolean;
  readonly resumedSession: boolean;
  readonly stats: SyncChannelStats;
  readonly taskWildcards: readonly string[];
  readonly markerTopic: string;
  manifestTopic(scope: 'vehicle' | 'fleet'): string;
  taskTopic(scope: 'vehicle' | 'fleet', taskId: string): string;
  onConnected(listener: (info: ConnectInfo) => void): () => void;
  onManifest(listener: ManifestListener): () => void;
  onAck(listener: (ack: TaskAck) => void): () => void;
  subscribe(subscriptions: readonly Subscription[]): Promise<void>;
  unsubscribe(topics: readonly string[]): Promise<void>;
  roundTrip(timeoutMs: number): Promise<void>;
  /** Subscribes the task wildcards afresh and reconciles by what arrives (the way without a manifest). */
  resyncAll(): void;
  /** Tells the task service which tasks stand, so it withdraws the others it got over MQTT. */
  announceSynced(taskIds: ReadonlySet<string>): void;
}
