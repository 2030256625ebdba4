// The MQTT side of the task contract: subscribes to task topics, publishes acks and a retained status with a last will.
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { taskIdOfTopic, topicsFor, type TopicIds } from '../core/topics.ts';
import type { TaskAck, TaskChannel, TaskMessageListener } from '../ports/taskChannel.ts';

export interface MqttTaskChannelOptions extends TopicIds {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
}

export class MqttTaskChannel implements TaskChannel {
  private client: MqttClient | null = null;
  private readonly listeners = new Set<TaskMessageListener>();
  private readonly topics: ReturnType<typeof topicsFor>;

  constructor(
    private readonly options: MqttTaskChannelOptions,
    private readonly logger: Logger,
  ) {
    this.topics = topicsFor(options);
  }

  /** Resolves once connected and subscribed, or at once when the broker is unreachable (it keeps trying). */
  async start(signal: AbortSignal): Promise<void> {
    const client = mqtt.connect(this.options.url, {
      clientId: `tilsyn-${this.options.vehicleId}`,
      clean: false,
      reconnectPeriod: 2_000,
      connectTimeout: 10_000,
      ...(this.options.username !== undefined ? { username: this.options.username } : {}),
      ...(this.options.password !== undefined ? { password: this.options.password } : {}),
      will: { topic: this.topics.status, payload: Buffer.from(JSON.stringify({ state: 'offline' })), qos: 1, retain: true },
    });
    this.client = client;
    client.on('message', (topic, payload) => this.dispatch(topic, payload));
    client.on('error', (err) => this.logger.warn({ err: err.message }, 'mqtt error'));
    client.on('offline', () => this.logger.warn('mqtt broker unreachable; retrying'));
    client.on('connect', () => {
      this.logger.info({ url: this.options.url }, 'mqtt connected');
      client.subscribe([this.topics.fleetTasks, this.topics.vehicleTasks], { qos: 1 }, (err) => {
        if (err) this.logger.error({ err: err.message }, 'mqtt subscribe failed');
      });
    });
    await new Promise<void>((resolve) => {
      const done = () => {
        client.off('connect', done);
        client.off('offline', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      client.once('connect', done);
      client.once('offline', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client === null) return;
    if (client.connected) {
      await client.publishAsync(this.topics.status, JSON.stringify({ state: 'offline' }), { qos: 1, retain: true }).catch(() => undefined);
    }
    await client.endAsync();
  }

  onTaskMessage(listener: TaskMessageListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publishAck(ack: TaskAck): Promise<void> {
    await this.publish(this.topics.acks, JSON.stringify(ack), false);
  }

  async publishStatus(status: Record<string, unknown>): Promise<void> {
    await this.publish(this.topics.status, JSON.stringify(status), true);
  }

  private async publish(topic: string, payload: string, retain: boolean): Promise<void> {
    if (this.client === null) throw new Error('mqtt channel is not started');
    await this.client.publishAsync(topic, payload, { qos: 1, retain });
  }

  private dispatch(topic: string, payload: Buffer): void {
    const taskId = taskIdOfTopic(topic, this.options);
    if (taskId === null) return;
    for (const listener of this.listeners) {
      try {
        listener(taskId, payload);
      } catch (err) {
        this.logger.error({ err, topic }, 'task listener failed');
      }
    }
  }
}
