// Task store port: the accepted tasks kept across restarts, as the payloads they arrived in.

export interface StoredTask {
  readonly id: string;
  readonly revision: number;
  /** The message as received, so a signature can still be checked and a newer schema can read it again. */
  readonly payload: Buffer;
  readonly acceptedAtMs: number;
}

export interface TaskStore {
  /** Every stored task. */
  load(): StoredTask[];
  /** Inserts or replaces the task of this id. */
  save(task: StoredTask): void;
  remove(taskId: string): void;
}
