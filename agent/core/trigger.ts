// The trigger: which tasks want a frame at this fix. Only a good fix, only inside an active task's area with the
// whole error circle, only after `enterFixes` such fixes in a row, and at most one frame per task every `everyM`.
import type { Fix } from '../ports/gps.ts';
import { AreaIndex } from './areaIndex.ts';
import { judgeFix, type FixRejection } from './fixFilter.ts';
import { distanceM, type LonLat } from './geo.ts';
import { isActive, type Task } from './task.ts';

export interface TriggerOptions {
  readonly everyM: number;
  readonly enterFixes: number;
  readonly maxErrorM: number;
  readonly maxFixAgeMs: number;
}

export type SkipReason = 'entering' | 'spacing';

export interface TriggerDecision {
  /** Set when the fix itself was not used. */
  readonly rejected: FixRejection | null;
  readonly fire: readonly Task[];
  /** Tasks inside whose area the fix lies but which did not fire, and why. */
  readonly skipped: ReadonlyMap<string, SkipReason>;
}

export class Trigger {
  private index = new AreaIndex<Task>([]);
  private readonly insideStreak = new Map<string, number>();
  private readonly lastCaptureAt = new Map<string, LonLat>();
  private lastAcceptedMs: number | null = null;
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
    for (const map of [this.insideStreak, this.lastCaptureAt]) {
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
    this.lastAcceptedMs = fix.timeMs;
    const errorM = fix.horizontalErrorM ?? 0;
    const inside = this.index.containing(fix, errorM).filter((task) => isActive(task, nowMs));
    const insideIds = new Set(inside.map((t) => t.id));
    for (const id of [...this.insideStreak.keys()]) if (!insideIds.has(id)) this.insideStreak.delete(id);

    const fire: Task[] = [];
    const skipped = new Map<string, SkipReason>();
    for (const task of inside) {
      const streak = (this.insideStreak.get(task.id) ?? 0) + 1;
      this.insideStreak.set(task.id, streak);
      const last = this.lastCaptureAt.get(task.id);
      if (streak < this.options.enterFixes) skipped.set(task.id, 'entering');
      else if (last !== undefined && distanceM(last, fix) < this.options.everyM) skipped.set(task.id, 'spacing');
      else fire.push(task);
    }
    return { rejected: null, fire, skipped };
  }

  /** Records that these tasks got a frame at this position (spacing counts from here). */
  recordCapture(taskIds: readonly string[], position: LonLat): void {
    for (const id of taskIds) this.lastCaptureAt.set(id, { lon: position.lon, lat: position.lat });
  }

  /** Whether an active task's area lies within radiusM of the position (or contains it). */
  activeAreaWithin(position: LonLat, radiusM: number, nowMs: number): boolean {
    return this.index.near(position, radiusM).some((hit) => isActive(hit.item, nowMs));
  }
}
