// The trigger rule: which tasks want a frame at this fix — only inside an active task's area, spaced in metres.
import type { Fix } from '../ports/gps.ts';
import { distanceM, insideArea, type LonLat } from './geo.ts';
import { isActive, type Task } from './task.ts';

export interface TriggerInput {
  readonly fix: Fix;
  readonly tasks: Iterable<Task>;
  /** Where each task (by id) last took a frame. */
  readonly lastCaptureAt: ReadonlyMap<string, LonLat>;
  readonly nowMs: number;
  readonly everyM: number;
}

export type SkipReason = 'no-fix' | 'inactive' | 'outside' | 'spacing';

export interface TriggerDecision {
  readonly fire: readonly Task[];
  /** Why each other task did not fire; for logs and counters. */
  readonly skipped: ReadonlyMap<string, SkipReason>;
}

export function decideCaptures(input: TriggerInput): TriggerDecision {
  const fire: Task[] = [];
  const skipped = new Map<string, SkipReason>();
  const hasFix = input.fix.mode >= 2 && Number.isFinite(input.fix.lat) && Number.isFinite(input.fix.lon);
  for (const task of input.tasks) {
    if (!hasFix) skipped.set(task.id, 'no-fix');
    else if (!isActive(task, input.nowMs)) skipped.set(task.id, 'inactive');
    else if (!insideArea(input.fix, task.area)) skipped.set(task.id, 'outside');
    else {
      const last = input.lastCaptureAt.get(task.id);
      if (last !== undefined && distanceM(last, input.fix) < input.everyM) skipped.set(task.id, 'spacing');
      else fire.push(task);
    }
  }
  return { fire, skipped };
}
