// Collects the vehicles' acks for what `central publish` and `central withdraw` sent, until each expected one came
// or the time is up.
import type { MqttClient } from 'mqtt';
import { ackSchema, type AckMessage } from '../../agent/core/tasks/messages.ts';

export interface AckExpectation {
  readonly vehicleId: string;
  readonly taskId: string;
  /** The revision sent: a task's, or the withdrawal's. */
  readonly revision: number;
  readonly kind: 'task' | 'withdrawal';
}

export interface AckResult extends AckExpectation {
  /** The answer, or null when none came in time. */
  readonly ack: AckMessage | null;
}

const ACK_TOPIC = /\/vehicle\/([^/]+)\/acks$/;

/** Whether `ack` answers what was sent (an answer to an older message on the same topic does not). */
export function answers(expected: AckExpectation, ack: AckMessage): boolean {
  if (ack.taskId !== expected.taskId) return false;
  if (expected.kind === 'withdrawal') {
    return ack.status === 'withdrawn' || (ack.status === 'rejected' && (ack.revision === expected.revision || ack.revision === null));
  }
  return ack.revision === expected.revision && ack.status !== 'withdrawn';
}

export class AckCollector {
  private readonly waiting = new Map<string, AckExpectation>();
  private readonly results = new Map<string, AckResult>();
  private readonly listener = (topic: string, payload: Buffer) => this.onMessage(topic, payload);
  private wake: () => void = () => undefined;

  constructor(
    private readonly client: MqttClient,
    private readonly prefix: string,
  ) {}

  /** Subscribes to the acks of these vehicles (before anything is sent, so no answer is missed). */
  async listen(vehicleIds: readonly string[]): Promise<void> {
    this.client.on('message', this.listener);
    if (vehicleIds.length > 0) await this.client.subscribeAsync(vehicleIds.map((v) => `${this.prefix}/vehicle/${v}/acks`), { qos: 1 });
  }

  expect(expectations: readonly AckExpectation[]): void {
    for (const e of expectations) this.waiting.set(key(e.vehicleId, e.taskId), e);
  }

  /** Resolves when every expected ack came, or at `timeoutMs`; each expectation with its answer or null. */
  async wait(timeoutMs: number, onProgress?: (answered: number, total: number) => void): Promise<AckResult[]> {
    const total = this.waiting.size + this.results.size;
    const deadline = Date.now() + timeoutMs;
    while (this.waiting.size > 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(1_000, Math.max(0, deadline - Date.now())));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      onProgress?.(this.results.size, total);
    }
    this.client.off('message', this.listener);
    const unanswered = [...this.waiting.values()].map((e) => ({ ...e, ack: null }));
    return [...this.results.values(), ...unanswered];
  }

  private onMessage(topic: string, payload: Buffer): void {
    const vehicleId = ACK_TOPIC.exec(topic)?.[1];
    if (vehicleId === undefined || !topic.startsWith(`${this.prefix}/vehicle/`)) return;
    let parsed;
    try {
      parsed = ackSchema.safeParse(JSON.parse(payload.toString('utf8')));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const k = key(vehicleId, parsed.data.taskId);
    const expected = this.waiting.get(k);
    if (expected === undefined || !answers(expected, parsed.data)) return;
    this.waiting.delete(k);
    this.results.set(k, { ...expected, ack: parsed.data });
    if (this.waiting.size === 0) this.wake();
  }
}

function key(vehicleId: string, taskId: string): string {
  return `${vehicleId}\u0000${taskId}`;
}
