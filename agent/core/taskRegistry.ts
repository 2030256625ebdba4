// The set of tasks the agent knows: newer revisions replace older ones, withdrawals remove, duplicates are no-ops.
import type { Task } from './task.ts';

export type UpsertOutcome = 'added' | 'updated' | 'unchanged' | 'stale';

export class TaskRegistry {
  private readonly tasks = new Map<string, Task>();

  upsert(task: Task): UpsertOutcome {
    const current = this.tasks.get(task.id);
    if (current !== undefined) {
      if (task.revision < current.revision) return 'stale';
      if (task.revision === current.revision) return 'unchanged';
    }
    this.tasks.set(task.id, task);
    return current === undefined ? 'added' : 'updated';
  }

  /** Removes a task; returns whether it was known. */
  withdraw(taskId: string): boolean {
    return this.tasks.delete(taskId);
  }

  get(taskId: string): Task | undefined {
    return this.tasks.get(taskId);
  }

  all(): Task[] {
    return [...this.tasks.values()];
  }

  get size(): number {
    return this.tasks.size;
  }
}
