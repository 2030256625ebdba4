// What a captured frame means for each task that fired it: the outcome to report (found / not_found / uncertain)
// and whether the frame is kept, by the task's own `keep` rule and `minConfidence`.
import type { Detection } from '../ports/detector.ts';
import { findTargets, type FoundClass } from './decide.ts';
import type { Task } from './task.ts';

export type ObservationOutcome = 'found' | 'not_found' | 'uncertain';

/** A lookFor class seen at or above this share of minConfidence, but below it, makes the outcome "uncertain". */
export const UNCERTAIN_SHARE = 0.5;

export interface TaskVerdict {
  readonly task: Task;
  /** lookFor classes at or above the task's minConfidence (best score first). */
  readonly found: FoundClass[];
  /** lookFor classes seen, down to UNCERTAIN_SHARE × minConfidence: the summary reported with the outcome. */
  readonly seen: FoundClass[];
  readonly outcome: ObservationOutcome;
  /** Keep (redact and queue) the frame for this task. */
  readonly keepFrame: boolean;
}

export function judgeFrame(tasks: readonly Task[], detections: readonly Detection[]): TaskVerdict[] {
  return tasks.map((task) => {
    const found = findTargets(task.lookFor, detections, task.minConfidence);
    const seen = findTargets(task.lookFor, detections, task.minConfidence * UNCERTAIN_SHARE);
    const outcome: ObservationOutcome = found.length > 0 ? 'found' : seen.length > 0 ? 'uncertain' : 'not_found';
    const keepFrame = task.keep === 'all' || (task.keep === 'match' && found.length > 0);
    return { task, found, seen, outcome, keepFrame };
  });
}
