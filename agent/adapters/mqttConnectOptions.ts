// How the agent's MQTT client connects: broker, credentials, TLS files, MQTT 5 session and packet limit, last will.
import { readFile } from 'node:fs/promises';
import type { IClientOptions } from 'mqtt';
import { topicsFor, type TopicIds } from '../core/tasks/topics.ts';

export interface MqttTaskChannelOptions extends TopicIds {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** PEM files for TLS: the broker's CA, and a client certificate and key for mutual TLS. */
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  /** 5 (default) or 4 (MQTT 3.1.1). */
  readonly protocolVersion?: 4 | 5;
  /** MQTT 5: how long the broker keeps the session while the vehicle is away. */
  readonly sessionExpiryS?: number;
  readonly clientId?: string;
  readonly reconnectPeriodMs?: number;
  /** MQTT 5: the largest payload taken (a task or a manifest); the broker is told not to send bigger packets at all. */
  readonly maxPayloadBytes?: number;
  /**
   * The task sync chooses the subscriptions (manifests, task topics in batches): on connect the channel subscribes
   * nothing by itself. Off (default): every connect subscribes the task wildcards and receives every retained task.
   */
  readonly managedSync?: boolean;
}

/** Room in a packet besides the payload: fixed header, topic, properties. */
const PACKET_OVERHEAD_BYTES = 8 * 1024;
/** Largest packet asked for when no payload limit is given: the default tasks.maxBytes. */
const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;
/**
 * The connection options of the agent's MQTT client: TLS files read (an unreadable one names its key), a persistent
 * MQTT 5 session, and the retained "offline" status as last will. The doctor connects with these too.
 */
export async function mqttConnectOptions(o: MqttTaskChannelOptions): Promise<IClientOptions> {
  const file = async (key: string, name: string | undefined) => {
    if (name === undefined) return undefined;
    return readFile(name).catch((err: Error) => {
      throw new Error(`mqtt.${key}: cannot read ${name}: ${err.message}`);
    });
  };
  const [ca, cert, key] = await Promise.all([file('caFile', o.caFile), file('certFile', o.certFile), file('keyFile', o.keyFile)]);
  const protocolVersion = o.protocolVersion ?? 5;
  return {
    clientId: o.clientId ?? `tilsyn-${o.vehicleId}`,
    clean: false,
    protocolVersion,
    // MQTT 5 lets the client cap the packets the broker sends it: a message bigger than the task limit is dropped by
    // the broker, never buffered here (a retained 200 MiB message would otherwise come back on every reconnect).
    ...(protocolVersion === 5
      ? {
          properties: {
            sessionExpiryInterval: o.sessionExpiryS ?? 7 * 24 * 3600,
            maximumPacketSize: (o.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES) + PACKET_OVERHEAD_BYTES,
          },
        }
      : {}),
    reconnectPeriod: o.reconnectPeriodMs ?? 2_000,
    connectTimeout: 10_000,
    ...(o.username !== undefined ? { username: o.username } : {}),
    ...(o.password !== undefined ? { password: o.password } : {}),
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    rejectUnauthorized: true,
    will: { topic: topicsFor(o).status, payload: Buffer.from(JSON.stringify({ state: 'offline' })), qos: 1, retain: true },
  };
}
