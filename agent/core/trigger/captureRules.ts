// Per-task rules for one fix inside a task's area: entered yet, slow enough, frames left in this pass, far enough
// from the last frame, and — for a point target — the target in view and this the moment among the best.
import type { LonLat } from '../geo/geo.ts';
import type { Task } from '../tasks/task.ts';
import { judgeShot } from './targetShots.ts';
import { MIN_HEADING_SPEED_MPS, type CameraView } from './view.ts';

/**
 * Spacing reached within this share counts as reached: distances on the earth differ by that much between the models
 * in use (sphere, local flat projection), and GPS noise by far more; without it a vehicle driving exactly `everyM` per
 * fix would fire on every other fix at random.
 */
const SPACING_TOLERANCE = 0.01;

export type SkipReason = 'entering' | 'speed' | 'pass-full' | 'spacing' | 'heading-unknown' | 'out-of-view' | 'better-ahead';

export interface TaskRuleInput {
  readonly task: Pick<Task, 'capture' | 'target'>;
  readonly position: LonLat;
  readonly speedMps: number | undefined;
  readonly trackDeg: number | undefined;
  /** Consecutive good fixes inside the area, this one included. */
  readonly insideFixes: number;
  /** Metres from where this task's last frame was taken; null when none yet. */
  readonly metresSinceLastFrame: number | null;
  /** Frames already taken for this task in the current pass. */
  readonly framesThisPass: number;
  /** Expected time to the next fix, seconds (for where the next chances to fire lie). */
  readonly fixIntervalS: number;
  readonly defaults: {
    readonly everyM: number;
    readonly enterFixes: number;
    /** Frames per pass for a point target whose task sets no capture.maxFrames. */
    readonly targetFrames: number;
  };
  readonly camera: CameraView;
}

/** The spacing a task asks for: its own capture.everyM, else the vehicle's trigger.everyM. */
export function everyMOf(task: Pick<Task, 'capture'>, defaultEveryM: number): number {
  return task.capture?.everyM ?? defaultEveryM;
}

/** Frames per pass: the task's capture.maxFrames; for a point target at most trigger.targetFrames as well. */
export function maxFramesPerPass(task: Pick<Task, 'capture' | 'target'>, targetFrames: number): number {
  const own = task.capture?.maxFrames ?? Infinity;
  return task.target === undefined ? own : Math.min(own, targetFrames);
}

/** Null when the task wants a frame at this fix; else why not. */
export function judgeTaskAtFix(input: TaskRuleInput): SkipReason | null {
  const { task, defaults } = input;
  if (input.insideFixes < defaults.enterFixes) return 'entering';
  const maxSpeedKmh = task.capture?.maxSpeedKmh;
  // An unknown speed is not held against the task: the limit is about motion blur, not about privacy.
  if (maxSpeedKmh !== undefined && input.speedMps !== undefined && input.speedMps * 3.6 > maxSpeedKmh) return 'speed';
  const maxFrames = maxFramesPerPass(task, defaults.targetFrames);
  if (input.framesThisPass >= maxFrames) return 'pass-full';
  const everyM = everyMOf(task, defaults.everyM);
  if (input.metresSinceLastFrame !== null && input.metresSinceLastFrame < everyM * (1 - SPACING_TOLERANCE)) return 'spacing';
  if (task.target === undefined) return null;

  // A point target: the camera must look at it, so the vehicle's heading must be known.
  if (input.trackDeg === undefined || input.speedMps === undefined || input.speedMps < MIN_HEADING_SPEED_MPS) return 'heading-unknown';
  const shot = judgeShot({
    position: input.position,
    headingDeg: input.trackDeg,
    target: task.target,
    camera: input.camera,
    stepM: Math.max(everyM, input.speedMps * input.fixIntervalS),
    remaining: maxFrames - input.framesThisPass,
  });
  if (!shot.now.inView) return 'out-of-view';
  return shot.fire ? null : 'better-ahead';
}
