// Task store port: the accepted tasks kept across restarts, as the payloads they arrived in, and the highest revision
// seen of every task id, which never goes down.
import type { Audience } from '../core/tasks/scope.ts';

export interface StoredTask {
  readonly id: string;
  readonly revision: number;
  /** The message as received, so a signature can still be checked and a newer schema can read it again. */
  readonly payload: Buffer;
  readonly acceptedAtMs: number;
  /** The topic it arrived on: a fleet's or the vehicle's (its scope is checked against it again at start). */
  readonly audience: Audience;
  /** The limits its area passed the geometry checks under; at start, the same limits skip those checks. */
  readonly areaChecked: string | null;
}

export interface RevisionSeen {
  readonly revision: number;
  /** That revision was withdrawn or ran out: only a higher one may bring the task back. */
  readonly ended: boolean;
}

export interface TaskStore {
  /** Every stored task. */
  load(): StoredTask[];
  /** Inserts or replaces the task of this id. */
  save(task: StoredTask): void;
  remove(taskId: string): void;
  /** The highest revision seen of every task id. */
  revisions(): Map<string, RevisionSeen>;
  /** Records a revision seen: a higher one replaces the row; the same one may only become ended; a lower one is ignored. */
  raiseRevision(taskId: string, seen: RevisionSeen): void;
}
