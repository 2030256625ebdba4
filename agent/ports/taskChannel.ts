// Task channel port: task messages in, acknowledgements and vehicle status out.
import type { FieldError } from '../core/tasks/task.ts';

/** A message on a task topic: the id its topic ends in, the payload, and whose topic it was (fleet or vehicle). */
export type TaskMessageListener = (topicTaskId: string, payload: Buffer, audience: 'fleet' | 'vehicle') => void;

export interface TaskAck {
  readonly taskId: string;
  readonly revision: number | null;
  readonly status: 'accepted' | 'rejected' | 'withdrawn' | 'expired';
  readonly errors: readonly FieldError[];
}

/** After each (re)connect, once every retained task has arrived: the task ids heard on task topics since connecting. */
export type TaskSyncListener = (heardTaskIds: ReadonlySet<string>, source: TaskSyncSource) => void;

/** What says which tasks stand: the retained task topics (anyone on the broker can clear one), or a signed manifest. */
export type TaskSyncSource = 'retained' | 'manifest';

export interface TaskChannel {
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  /** Registers a listener for task messages (an empty payload withdraws); returns the remover. */
  onTaskMessage(listener: TaskMessageListener): () => void;
  /** Registers a listener for the end of each retained-task sync (for reconciling); returns the remover. */
  onSynced?(listener: TaskSyncListener): () => void;
  publishAck(ack: TaskAck): Promise<void>;
  publishStatus(status: Record<string, unknown>): Promise<void>;
}
