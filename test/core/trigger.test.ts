import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTask, type Task } from '../../agent/core/task.ts';
import { TaskRegistry } from '../../agent/core/taskRegistry.ts';
import { Trigger, type TriggerOptions } from '../../agent/core/trigger.ts';
import type { Fix } from '../../agent/ports/gps.ts';

function loadTask(changes: Record<string, unknown> = {}): Task {
  const raw = { ...JSON.parse(readFileSync(new URL('../../fixtures/tasks/permit-4711.json', import.meta.url), 'utf8')), ...changes };
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
