// The set of tasks the agent knows: newer revisions replace older ones, withdrawals remove, duplicates are no-ops.
import type { Task } from './task.ts';

export type UpsertOutcome = 'added' | 'updated' | 'unchanged' | 'stale';

export class TaskRegistry {
  private readonly tasks = new Map<string, Task>();
  private changes = 0;

  /** Grows with every change, so users can rebuild what they derive from the tasks only when needed. */
  get version(): number {
    return this.changes;
  }

  upsert(task: Task): UpsertOutcome {
    const current = this.tasks.get(task.id);
    if (current !== undefined) {
      if (task.revision < current.revision) return 'stale';
      if (task.revision === current.revision) return 'unchanged';
    }
    this.tasks.set(task.id, task);
    this.changes += 1;
    return current === undefined ? 'added' : 'updated';
  }

  /** Removes a task; returns whether it was known. */
  withdraw(taskId: string): boolean {
    const known = this.tasks.delete(taskId);
    if (known) this.changes += 1;
    return known;
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
