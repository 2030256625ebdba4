// Task channel port: task messages in, acknowledgements and vehicle status out.
import type { FieldError } from '../core/task.ts';

export type TaskMessageListener = (topicTaskId: string, payload: Buffer) => void;

export interface TaskAck {
  readonly taskId: string;
  readonly revision: number | null;
  readonly status: 'accepted' | 'rejected' | 'withdrawn' | 'expired';
  readonly errors: readonly FieldError[];
}

export interface TaskChannel {
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  /** Registers a listener for task messages (an empty payload withdraws); returns the remover. */
  onTaskMessage(listener: TaskMessageListener): () => void;
  publishAck(ack: TaskAck): Promise<void>;
  publishStatus(status: Record<string, unknown>): Promise<void>;
}
