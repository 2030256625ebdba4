// What a captured frame means for each task that fired it: the outcome to report (found / not_found / uncertain)
// and whether the frame is kept, by the task's own `keep` rule and `minConfidence`.
import type { Detection } from './detection.ts';
import { findTargets, type FoundClass } from './decide.ts';
import { verdictOf, type Outcome } from './modelRouting.ts';
import type { Task } from '../tasks/task.ts';

export type ObservationOutcome = Outcome;

/** Half-width of the unsure band around a task's minConfidence when the config names none (models.unsureMargin). */
export const DEFAULT_UNSURE_MARGIN = 0.1;

/** lookFor classes are summarised with the outcome down to this share of minConfidence (or the band's low edge). */
export const SEEN_SHARE = 0.5;

export interface TaskVerdict {
  readonly task: Task;
  /** lookFor classes at or above the task's minConfidence (best score first). */
  readonly found: FoundClass[];
  /** lookFor classes seen, down to SEEN_SHARE × minConfidence: the summary reported with the outcome. */
  readonly seen: FoundClass[];
  readonly outcome: ObservationOutcome;
  /** Keep (redact and queue) the frame for this task. */
  readonly keepFrame: boolean;
}

/**
 * A task's verdict, its outcome already decided (by the model routing), from the detections of the model that
 * decided it. A frame is kept under `keep: match` when a lookFor class reached minConfidence — also when the outcome
 * is `uncertain` (the score lay in the unsure band and no dearer model settled it): the city can look for itself.
 */
export function taskVerdict(task: Task, outcome: ObservationOutcome, detections: readonly Detection[], marginScore: number): TaskVerdict {
  const found = findTargets(task.lookFor, detections, task.minConfidence);
  const seenFrom = Math.max(0, Math.min(task.minConfidence * SEEN_SHARE, task.minConfidence - marginScore));
  const seen = findTargets(task.lookFor, detections, seenFrom);
  const keepFrame = task.keep === 'all' || (task.keep === 'match' && found.length > 0);
  return { task, found, seen, outcome, keepFrame };
}

/** Every task judged by one model's detections: the unsure band around minConfidence gives `uncertain`. */
export function judgeFrame(tasks: readonly Task[], detections: readonly Detection[], marginScore = DEFAULT_UNSURE_MARGIN): TaskVerdict[] {
  return tasks.map((task) => {
    const best = findTargets(task.lookFor, detections, 0)[0]?.score ?? 0;
    const verdict = verdictOf(best, task.minConfidence, marginScore);
    return taskVerdict(task, verdict === 'unsure' ? 'uncertain' : verdict, detections, marginScore);
  });
}
