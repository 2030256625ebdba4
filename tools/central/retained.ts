// Reads what a broker holds retained under some topic filters, and knows when it has all of it: after the
// subscription is granted the broker sends every retained message, then a marker of our own published behind them.
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';

export interface RetainedRead {
  /** Retained payload per topic; empty payloads (cleared topics) are left out. */
  readonly messages: Map<string, Buffer>;
  /** False when the marker did not come back in time: the set may be incomplete. */
  readonly complete: boolean;
}

/**
 * Subscribes to `filters` at QoS 0 (a broker sends those at once, outside its per-client queue of QoS 1 messages,
 * so a fleet of thousands does not overflow it), waits for the marker, unsubscribes.
 */
export async function readRetained(client: MqttClient, prefix: string, filters: readonly string[], timeoutMs: number): Promise<RetainedRead> {
  const messages = new Map<string, Buffer>();
  const nonce = randomBytes(8).toString('hex');
  const markerTopic = `${prefix}/central/${client.options.clientId ?? 'central'}/sync`;
  const matchers = filters.map(topicMatcher);
  let markerSeen: () => void = () => undefined;
  const marker = new Promise<void>((resolve) => (markerSeen = resolve));
  const onMessage = (topic: string, payload: Buffer, packet: { retain?: boolean }) => {
    if (topic === markerTopic) {
      if (payload.toString() === nonce) markerSeen();
      return;
    }
    if (!packet.retain || !matchers.some((m) => m(topic))) return;
    if (payload.length === 0) messages.delete(topic);
    else messages.set(topic, payload);
  };
  client.on('message', onMessage);
  try {
    await client.subscribeAsync([...filters, markerTopic], { qos: 0 });
    await client.publishAsync(markerTopic, nonce, { qos: 0 });
    let timer: NodeJS.Timeout | undefined;
    const complete = await Promise.race([
      marker.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return { messages, complete };
  } finally {
    client.off('message', onMessage);
    await client.unsubscribeAsync([...filters, markerTopic]).catch(() => undefined);
  }
}

/** A predicate for an MQTT topic filter with + and # wildcards. */
export function topicMatcher(filter: string): (topic: string) => boolean {
  const parts = filter.split('/');
  return (topic) => {
    const levels = topic.split('/');
    for (let i = 0; i < parts.length; i++) {
      if (parts[i] === '#') return true;
      if (i >= levels.length) return false;
      if (parts[i] !== '+' && parts[i] !== levels[i]) return false;
    }
    return levels.length === parts.length;
  };
}
