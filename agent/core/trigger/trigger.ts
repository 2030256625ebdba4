// The trigger: which tasks want a frame at this fix. Only a good fix, only inside an active task's area with the
// whole error circle, only after `enterFixes` such fixes in a row; then each task's own rules (core/captureRules.ts):
// speed, frames per pass, spacing, and for a point target the view of the camera.
//
// A pass runs from entering an area until `enterFixes` good fixes in a row lie outside it. A gap in the fixes
// (a tunnel) does not end a pass, and neither does jitter at the border, so neither buys a task more frames.
import type { Fix } from '../gps/fix.ts';
import { AreaIndex } from '../geo/areaIndex.ts';
import { judgeTaskAtFix, type SkipReason } from './captureRules.ts';
import { judgeFix, type FixRejection } from '../gps/fixFilter.ts';
import { distanceM, type LonLat } from '../geo/geo.ts';
import { isActive, type Task } from '../tasks/task.ts';
import { DEFAULT_CAMERA_VIEW, type CameraView } from './view.ts';

export type { SkipReason } from './captureRules.ts';

export interface TriggerOptions {
  readonly everyM: number;
  readonly enterFixes: number;
  readonly maxErrorM: number;
  readonly maxFixAgeMs: number;
  /** A fix dated further ahead of the clock than this is not used (the agent sets clock.maxSkewS); absent: not checked. */
  readonly maxAheadMs?: number;
  /** Frames per pass for a point target whose task sets no capture.maxFrames; default 3. */
  readonly targetFrames?: number;
  /** How the camera sits on the vehicle; used for tasks with a point target. */
  readonly camera?: CameraView;
}

export interface TriggerDecision {
  /** Set when the fix itself was not used. */
  readonly rejected: FixRejection | null;
  readonly fire: readonly Task[];
  /** Tasks inside whose area the fix lies but which did not fire, and why. */
  readonly skipped: ReadonlyMap<string, SkipReason>;
}

interface Pass {
  frames: number;
  /** Good fixes in a row outside the area since the last one inside. */
  outsideFixes: number;
}

/** Fix intervals outside this range are gaps or bursts, not the receiver's rate. */
const FIX_INTERVAL_RANGE_S: readonly [number, number] = [0.05, 5];

export class Trigger {
  private index = new AreaIndex<Task>([]);
  private readonly insideStreak = new Map<string, number>();
  private readonly lastCaptureAt = new Map<string, LonLat>();
  private readonly passes = new Map<string, Pass>();
  private lastAcceptedMs: number | null = null;
  private fixIntervalS = 1;
  private tasksVersion = -1;

  constructor(private readonly options: TriggerOptions) {}

  /** Takes the registry's tasks when they changed since the last call. */
  follow(registry: { readonly version: number; all(): Task[] }): void {
    if (registry.version === this.tasksVersion) return;
    this.setTasks(registry.all());
    this.tasksVersion = registry.version;
  }

  /** Replaces the set of tasks; the state of tasks that remain is kept. */
  setTasks(tasks: readonly Task[]): void {
    this.index = new AreaIndex(tasks.map((task) => ({ item: task, area: task.area })));
    const ids = new Set(tasks.map((t) => t.id));
    for (const map of [this.insideStreak, this.lastCaptureAt, this.passes]) {
      for (const id of map.keys()) if (!ids.has(id)) map.delete(id);
    }
  }

  onFix(fix: Fix, nowMs: number): TriggerDecision {
    const rejected = judgeFix(fix, nowMs, this.lastAcceptedMs, this.options);
    if (rejected !== null) {
      // Out-of-order fixes say nothing new; every other bad fix means the position is unknown for now.
      if (rejected !== 'out-of-order') this.insideStreak.clear();
      return { rejected, fire: [], skipped: new Map() };
    }
    if (this.lastAcceptedMs !== null) {
      const intervalS = (fix.timeMs - this.lastAcceptedMs) / 1000;
      if (intervalS >= FIX_INTERVAL_RANGE_S[0] && intervalS <= FIX_INTERVAL_RANGE_S[1]) this.fixIntervalS = intervalS;
    }
    this.lastAcceptedMs = fix.timeMs;
    const errorM = fix.horizontalErrorM ?? 0;
    const inside = this.index.containing(fix, errorM).filter((task) => isActive(task, nowMs));
    const insideIds = new Set(inside.map((t) => t.id));
    for (const id of [...this.insideStreak.keys()]) if (!insideIds.has(id)) this.insideStreak.delete(id);
    this.endPassesOutside(insideIds);

    const fire: Task[] = [];
    const skipped = new Map<string, SkipReason>();
    for (const task of inside) {
      const streak = (this.insideStreak.get(task.id) ?? 0) + 1;
      this.insideStreak.set(task.id, streak);
      let pass = this.passes.get(task.id);
      if (pass === undefined && streak >= this.options.enterFixes) {
        pass = { frames: 0, outsideFixes: 0 };
        this.passes.set(task.id, pass);
      }
      if (pass !== undefined) pass.outsideFixes = 0;
      const last = this.lastCaptureAt.get(task.id);
      const reason = judgeTaskAtFix({
        task,
        position: fix,
        speedMps: fix.speedMps,
        trackDeg: fix.trackDeg,
        insideFixes: streak,
        metresSinceLastFrame: last === undefined ? null : distanceM(last, fix),
        framesThisPass: pass?.frames ?? 0,
        fixIntervalS: this.fixIntervalS,
        defaults: { everyM: this.options.everyM, enterFixes: this.options.enterFixes, targetFrames: this.options.targetFrames ?? 3 },
        camera: this.options.camera ?? DEFAULT_CAMERA_VIEW,
      });
      if (reason === null) fire.push(task);
      else skipped.set(task.id, reason);
    }
    return { rejected: null, fire, skipped };
  }

  /** Records that these tasks got a frame at this position (spacing counts from here, and so does the pass). */
  recordCapture(taskIds: readonly string[], position: LonLat): void {
    for (const id of taskIds) {
      this.lastCaptureAt.set(id, { lon: position.lon, lat: position.lat });
      const pass = this.passes.get(id);
      if (pass !== undefined) pass.frames += 1;
    }
  }

  /** Frames taken in the current pass of a task; null when the vehicle is not on a pass through its area. */
  framesThisPass(taskId: string): number | null {
    return this.passes.get(taskId)?.frames ?? null;
  }

  /** Whether an active task's area lies within radiusM of the position (or contains it). */
  activeAreaWithin(position: LonLat, radiusM: number, nowMs: number): boolean {
    return this.index.near(position, radiusM).some((hit) => isActive(hit.item, nowMs));
  }

  private endPassesOutside(insideIds: ReadonlySet<string>): void {
    for (const [id, pass] of this.passes) {
      if (insideIds.has(id)) continue;
      pass.outsideFixes += 1;
      if (pass.outsideFixes >= this.options.enterFixes) this.passes.delete(id);
    }
  }
}
