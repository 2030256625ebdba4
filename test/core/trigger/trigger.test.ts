import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTask, type Task } from '../../../agent/core/tasks/task.ts';
import { TaskRegistry } from '../../../agent/core/tasks/taskRegistry.ts';
import { judgeTaskAtFix, type TaskRuleInput } from '../../../agent/core/trigger/captureRules.ts';
import { Trigger, type TriggerOptions } from '../../../agent/core/trigger/trigger.ts';
import { moveAlong, targetInView } from '../../../agent/core/trigger/view.ts';
import type { Fix } from '../../../agent/ports/gps.ts';

function loadTask(changes: Record<string, unknown> = {}): Task {
  const raw = { ...JSON.parse(readFileSync(new URL('../../../fixtures/tasks/permit-4711.json', import.meta.url), 'utf8')), ...changes };
  const result = parseTask(JSON.stringify(raw), ['car']);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.task;
}

const task = loadTask();
const t0 = Date.parse('2026-12-10T12:00:00Z');
const options: TriggerOptions = { everyM: 10, enterFixes: 2, maxErrorM: 15, maxFixAgeMs: 2_000 };
// The permit area spans lon 12.553–12.556 (≈ 190 m) and lat 55.689–55.6905 (≈ 167 m).
const METRE_LAT = 1 / 111_320;

/** A fix at the area's centre longitude, `northM` metres north of its southern border, `s` seconds after t0. */
function fixAt(s: number, northM: number, extra: Partial<Fix> = {}): Fix {
  return { lon: 12.5545, lat: 55.689 + northM * METRE_LAT, mode: 3, timeMs: t0 + s * 1000, ...extra };
}

/** Feeds fixes as the capture service does: every task that fires gets its frame at that fix. */
function drive(trigger: Trigger, fixes: readonly Fix[], nowOffsetMs = 100): string[][] {
  return fixes.map((f) => {
    const ids = trigger.onFix(f, f.timeMs + nowOffsetMs).fire.map((t) => t.id);
    trigger.recordCapture(ids, f);
    return ids;
  });
}

function triggerFor(tasks: readonly Task[], o: Partial<TriggerOptions> = {}): Trigger {
  const trigger = new Trigger({ ...options, ...o });
  trigger.setTasks(tasks);
  return trigger;
}

describe('Trigger', () => {
  it('fires from the second inside fix on, then every 10 m', () => {
    // 4 m per second northwards, from 20 m outside to 44 m inside. At s = 5 the fix lies on the border (outside);
    // s = 6 is the first inside fix, s = 7 the second: it fires; then every third fix (12 m on).
    const fixes = Array.from({ length: 17 }, (_, s) => fixAt(s, -20 + 4 * s));
    const fired = drive(triggerFor([task]), fixes).map((ids) => ids.length);
    expect(fired).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
  });

  it.each([
    ['no fix (mode 1)', { mode: 1 as const }, 'no-fix'],
    ['too inaccurate', { horizontalErrorM: 40 }, 'inaccurate'],
    ['stale', { timeMs: t0 - 5_000 }, 'stale'],
  ])('does not use a fix that is %s', (_name, extra, reason) => {
    const trigger = triggerFor([task]);
    trigger.onFix(fixAt(0, 50), t0);
    const decision = trigger.onFix(fixAt(1, 60, extra), t0 + 1_000);
    expect(decision.rejected).toBe(reason);
    expect(decision.fire).toEqual([]);
  });

  it('ignores fixes that are repeated or out of order', () => {
    const trigger = triggerFor([task]);
    expect(drive(trigger, [fixAt(0, 50), fixAt(1, 60)])).toEqual([[], ['permit-4711']]);
    expect(trigger.onFix(fixAt(1, 60), t0 + 1_100).rejected).toBe('out-of-order');
    expect(trigger.onFix(fixAt(0.5, 90), t0 + 1_200).rejected).toBe('out-of-order');
  });

  it('counts a fix whose error circle reaches over the border as outside', () => {
    const trigger = triggerFor([task]);
    // 8 m inside with 10 m error: the circle straddles the border.
    expect(drive(trigger, [fixAt(0, 8, { horizontalErrorM: 10 }), fixAt(1, 9, { horizontalErrorM: 10 })])).toEqual([[], []]);
    expect(drive(trigger, [fixAt(2, 30, { horizontalErrorM: 10 }), fixAt(3, 31, { horizontalErrorM: 10 })])).toEqual([[], ['permit-4711']]);
  });

  it('does not fire twice for jitter back and forth across the border', () => {
    const trigger = triggerFor([task]);
    const jitter = [3, -2, 4, -1, 3, 2, -3, 4, 3, 5].map((m, s) => fixAt(s, m));
    const fired = drive(trigger, jitter).flat();
    expect(fired.length).toBeLessThanOrEqual(1);
  });

  it('takes no frame in a tunnel and resumes after it, needing to enter again', () => {
    const trigger = triggerFor([task]);
    const fixes = [fixAt(0, 20), fixAt(1, 32), fixAt(2, 44, { mode: 1 }), fixAt(3, 56, { mode: 1 }), fixAt(4, 68), fixAt(5, 80)];
    expect(drive(trigger, fixes)).toEqual([[], ['permit-4711'], [], [], [], ['permit-4711']]);
  });

  it('fires only inside the validity window', () => {
    const later = loadTask({ validFrom: '2026-12-20T00:00:00Z' });
    expect(drive(triggerFor([later]), [fixAt(0, 50), fixAt(1, 60)])).toEqual([[], []]);
  });

  it('handles MultiPolygon areas', () => {
    const multi = loadTask({
      id: 'two-places',
      area: {
        type: 'MultiPolygon',
        coordinates: [
          [[[12.5, 55.6], [12.51, 55.6], [12.51, 55.61], [12.5, 55.6]]],
          [[[12.553, 55.689], [12.556, 55.689], [12.556, 55.6905], [12.553, 55.6905], [12.553, 55.689]]],
        ],
      },
    });
    expect(drive(triggerFor([multi]), [fixAt(0, 50), fixAt(1, 60)])).toEqual([[], ['two-places']]);
  });

  it('follows the registry: a withdrawn task stops firing at once', () => {
    const registry = new TaskRegistry();
    registry.upsert(task);
    const trigger = new Trigger(options);
    trigger.follow(registry);
    expect(drive(trigger, [fixAt(0, 50), fixAt(1, 60)])).toEqual([[], ['permit-4711']]);
    registry.withdraw('permit-4711');
    trigger.follow(registry);
    expect(drive(trigger, [fixAt(2, 80)])).toEqual([[]]);
  });

  it('knows whether an active area is within reach (for arming the camera)', () => {
    const trigger = triggerFor([task]);
    const south100 = fixAt(0, -100);
    expect(trigger.activeAreaWithin(south100, 150, t0)).toBe(true);
    expect(trigger.activeAreaWithin(south100, 90, t0)).toBe(false);
    expect(trigger.activeAreaWithin(fixAt(0, 50), 0, t0)).toBe(true);
    expect(trigger.activeAreaWithin(south100, 150, Date.parse('2027-01-01T00:00:00Z'))).toBe(false);
  });
});

describe('Trigger: per-task capture fields', () => {
  /** Northwards through the permit area at `mps` metres per second, one fix a second, from 20 m south of it. */
  const through = (fromS: number, seconds: number, mps: number, extra: Partial<Fix> = {}) =>
    Array.from({ length: seconds }, (_, k) => fixAt(fromS + k, -20 + mps * k, { speedMps: mps, trackDeg: 0, ...extra }));
  const count = (fired: string[][]) => fired.filter((ids) => ids.length > 0).length;

  it('capture.everyM overrides trigger.everyM, both ways', () => {
    // 4 m/s; inside from s = 6 (4 m in), fires from s = 7. Default 10 m → every 3rd fix; 25 m → every 7th; 4 m → every fix.
    const firedAt = (t: Task) => drive(triggerFor([t]), through(0, 40, 4)).flatMap((ids, s) => (ids.length ? [s] : []));
    expect(firedAt(task)).toEqual([7, 10, 13, 16, 19, 22, 25, 28, 31, 34, 37]);
    expect(firedAt(loadTask({ capture: { everyM: 25 } }))).toEqual([7, 14, 21, 28, 35]);
    expect(firedAt(loadTask({ capture: { everyM: 4 } })).slice(0, 4)).toEqual([7, 8, 9, 10]); // 4 m per fix: every fix
  });

  it('capture.maxFrames limits the frames of each pass; leaving and coming back starts a new pass', () => {
    const limited = loadTask({ capture: { maxFrames: 2 } });
    const trigger = triggerFor([limited]);
    const firstPass = drive(trigger, through(0, 30, 4));
    expect(count(firstPass)).toBe(2);
    expect(trigger.framesThisPass(limited.id)).toBe(2);
    // Out of the area to the south (two fixes outside end the pass), then back in: two more frames.
    const out = [fixAt(31, -30), fixAt(32, -35)];
    drive(trigger, out);
    expect(trigger.framesThisPass(limited.id)).toBeNull();
    expect(count(drive(trigger, through(33, 30, 4)))).toBe(2);
  });

  it('capture.maxFrames: a tunnel or jitter inside the area does not start a new pass', () => {
    const limited = loadTask({ capture: { maxFrames: 2, everyM: 5 } });
    const trigger = triggerFor([limited]);
    const fixes = [
      fixAt(0, 20), fixAt(1, 30), // enter: frame 1
      fixAt(2, 40, { mode: 1 }), fixAt(3, 50, { mode: 1 }), // tunnel
      fixAt(4, 60), fixAt(5, 70), // re-entered after the gap: frame 2
      fixAt(6, 80), fixAt(7, 90), fixAt(8, 100), // the pass is full
    ];
    expect(count(drive(trigger, fixes))).toBe(2);
    const edge = loadTask({ id: 'edge', capture: { maxFrames: 1, everyM: 1 } });
    const jittery = triggerFor([edge]);
    const jitter = [3, 5, -2, 6, 8, -1, 7, 9, 11].map((m, s) => fixAt(s, m));
    expect(count(drive(jittery, jitter))).toBe(1);
  });

  it('capture.maxSpeedKmh: no frames while faster; an unknown speed does not block', () => {
    const slow = loadTask({ capture: { maxSpeedKmh: 30 } });
    const trigger = triggerFor([slow]);
    const fast = trigger.onFix(fixAt(0, 50, { speedMps: 10 }), t0 + 100);
    expect(trigger.onFix(fixAt(1, 60, { speedMps: 10 }), t0 + 1_100).skipped.get(slow.id)).toBe('speed');
    expect(fast.fire).toEqual([]);
    expect(drive(trigger, [fixAt(2, 70, { speedMps: 8 })])).toEqual([[slow.id]]);
    expect(drive(triggerFor([slow]), [fixAt(0, 50), fixAt(1, 60)])).toEqual([[], [slow.id]]);
  });
});

describe('Trigger: a point target seen by the camera', () => {
  // Target 10 m east of the drive line, 81 m north of the area's southern border (abeam between two fixes).
  const targetPoint = moveAlong(moveAlong({ lon: 12.5545, lat: 55.689 }, 90, 10), 0, 81);
  const withTarget = loadTask({ id: 'container-12', target: { point: [targetPoint.lon, targetPoint.lat], radiusM: 25 }, capture: { everyM: 5 } });
  const fixes = Array.from({ length: 40 }, (_, s) => fixAt(s, -20 + 5 * s, { speedMps: 5, trackDeg: 0 }));
  const run = (headingOffsetDeg: number, targetFrames = 3) =>
    drive(triggerFor([withTarget], { camera: { headingOffsetDeg, fovDeg: 90, rangeM: 30 }, targetFrames }), fixes)
      .flatMap((ids, s) => (ids.length ? [s] : []));
  const offCentre = (s: number) => Math.abs(targetInView(fixes[s]!, 0, withTarget.target!, { headingOffsetDeg: 90, fovDeg: 90, rangeM: 30 }).offCentreDeg);

  it('a right-facing camera takes the best frames of the pass: the ones nearest the lens axis', () => {
    const fired = run(90);
    expect(fired).toHaveLength(3);
    const inView = fixes.flatMap((f, s) => (targetInView(f, 0, withTarget.target!, { headingOffsetDeg: 90, fovDeg: 90, rangeM: 30 }).inView ? [s] : []));
    expect(inView.length).toBeGreaterThan(3);
    const best3 = [...inView].sort((a, b) => offCentre(a) - offCentre(b)).slice(0, 3).sort((a, b) => a - b);
    expect(fired).toEqual(best3);
  });

  it('a left-facing camera never sees a target on the right: no frames', () => {
    expect(run(-90)).toEqual([]);
  });

  it('a forward camera takes its frames while approaching, before the target drifts out of its view', () => {
    const fired = run(0);
    expect(fired.length).toBeGreaterThan(0);
    for (const s of fired) expect(-20 + 5 * s).toBeLessThan(81 - 10);
  });

  it('capture.maxFrames below trigger.targetFrames wins, and the one frame is the best', () => {
    const one = loadTask({ id: 'container-12', target: withTarget.target, capture: { everyM: 5, maxFrames: 1 } });
    const fired = drive(triggerFor([one], { camera: { headingOffsetDeg: 90, fovDeg: 90, rangeM: 30 }, targetFrames: 3 }), fixes)
      .flatMap((ids, s) => (ids.length ? [s] : []));
    expect(fired).toHaveLength(1);
    expect(offCentre(fired[0]!)).toBeLessThan(20);
  });
});

describe('judgeTaskAtFix', () => {
  const base: TaskRuleInput = {
    task: {},
    position: { lon: 12.5545, lat: 55.6897 },
    speedMps: 5,
    trackDeg: 0,
    insideFixes: 2,
    metresSinceLastFrame: null,
    framesThisPass: 0,
    fixIntervalS: 1,
    defaults: { everyM: 10, enterFixes: 2, targetFrames: 3 },
    camera: { headingOffsetDeg: 90, fovDeg: 90, rangeM: 30 },
  };
  const right10 = moveAlong(base.position, 90, 10);
  const target = { point: [right10.lon, right10.lat] as [number, number], radiusM: 20 };
  it.each<[string, Partial<TaskRuleInput>, string | null]>([
    ['first frame of a pass', {}, null],
    ['still entering', { insideFixes: 1 }, 'entering'],
    ['too fast for the task', { task: { capture: { maxSpeedKmh: 15 } } }, 'speed'],
    ['slow enough', { task: { capture: { maxSpeedKmh: 20 } } }, null],
    ['speed unknown, limit set', { task: { capture: { maxSpeedKmh: 15 } }, speedMps: undefined }, null],
    ['pass full', { task: { capture: { maxFrames: 2 } }, framesThisPass: 2 }, 'pass-full'],
    ['pass not yet full', { task: { capture: { maxFrames: 2 } }, framesThisPass: 1, metresSinceLastFrame: 12 }, null],
    ['default spacing not reached', { metresSinceLastFrame: 9 }, 'spacing'],
    ['task spacing overrides the default (shorter)', { task: { capture: { everyM: 5 } }, metresSinceLastFrame: 9 }, null],
    ['task spacing overrides the default (longer)', { task: { capture: { everyM: 25 } }, metresSinceLastFrame: 20 }, 'spacing'],
    ['target abeam of a right camera', { task: { target } }, null],
    ['target: three frames taken, trigger.targetFrames 3', { task: { target }, framesThisPass: 3 }, 'pass-full'],
    ['target: heading unknown (no course)', { task: { target }, trackDeg: undefined }, 'heading-unknown'],
    ['target: heading unknown (standing still)', { task: { target }, speedMps: 0.1 }, 'heading-unknown'],
    ['target behind the lens (heading south)', { task: { target }, trackDeg: 180 }, 'out-of-view'],
    ['target ahead of the lens axis, better chances ahead', { task: { target }, position: moveAlong(base.position, 180, 8), framesThisPass: 2 }, 'better-ahead'],
  ])('%s', (_name, changes, expected) => {
    expect(judgeTaskAtFix({ ...base, ...changes })).toBe(expected);
  });
});

describe('TaskRegistry', () => {
  it('replaces on a newer revision, ignores older ones and duplicates, removes on withdraw', () => {
    const registry = new TaskRegistry();
    expect(registry.upsert(loadTask({ revision: 2 }))).toBe('added');
    const version = registry.version;
    expect(registry.upsert(loadTask({ revision: 2 }))).toBe('unchanged');
    expect(registry.upsert(loadTask({ revision: 1, purpose: 'old' }))).toBe('stale');
    expect(registry.version).toBe(version);
    expect(registry.get('permit-4711')?.revision).toBe(2);
    expect(registry.upsert(loadTask({ revision: 3 }))).toBe('updated');
    expect(registry.withdraw('permit-4711')).toBe(true);
    expect(registry.withdraw('permit-4711')).toBe(false);
    expect(registry.size).toBe(0);
  });
});
