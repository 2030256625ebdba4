import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LonLat } from '../../agent/core/geo.ts';
import { parseTask, type Task } from '../../agent/core/task.ts';
import { TaskRegistry } from '../../agent/core/taskRegistry.ts';
import { decideCaptures } from '../../agent/core/trigger.ts';
import type { Fix } from '../../agent/ports/gps.ts';

function loadTask(changes: Record<string, unknown> = {}): Task {
  const raw = { ...JSON.parse(readFileSync(new URL('../../fixtures/tasks/permit-4711.json', import.meta.url), 'utf8')), ...changes };
  const result = parseTask(JSON.stringify(raw), ['car']);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.task;
}

const task = loadTask();
const inWindow = Date.parse('2026-12-10T12:00:00Z');
const inside = { lon: 12.5545, lat: 55.6897 };
const outside = { lon: 12.5600, lat: 55.6897 };
const fix = (p: LonLat, mode: Fix['mode'] = 3): Fix => ({ ...p, mode, timeMs: inWindow });
// About 11 m north of `inside`, and about 5 m north.
const tenMetresOn = { lon: 12.5545, lat: 55.6898 };
const fiveMetresOn = { lon: 12.5545, lat: 55.68975 };

describe('decideCaptures', () => {
  it.each([
    ['inside, active, first frame', fix(inside), inWindow, [], ['permit-4711'], undefined],
    ['outside the area', fix(outside), inWindow, [], [], 'outside'],
    ['before the window', fix(inside), Date.parse('2026-11-30T12:00:00Z'), [], [], 'inactive'],
    ['after the window', fix(inside), Date.parse('2027-01-01T00:00:00Z'), [], [], 'inactive'],
    ['no fix (mode 1)', fix(inside, 1), inWindow, [], [], 'no-fix'],
    ['5 m after the last frame', fix(fiveMetresOn), inWindow, [['permit-4711', inside]], [], 'spacing'],
    ['11 m after the last frame', fix(tenMetresOn), inWindow, [['permit-4711', inside]], ['permit-4711'], undefined],
  ] as const)('%s', (_name, f, nowMs, last, fires, reason) => {
    const decision = decideCaptures({
      fix: f,
      tasks: [task],
      lastCaptureAt: new Map(last as unknown as [string, LonLat][]),
      nowMs,
      everyM: 10,
    });
    expect(decision.fire.map((t) => t.id)).toEqual(fires);
    expect(decision.skipped.get('permit-4711')).toBe(reason);
  });

  it('treats a position exactly on the border as outside', () => {
    const decision = decideCaptures({ fix: fix({ lon: 12.553, lat: 55.6897 }), tasks: [task], lastCaptureAt: new Map(), nowMs: inWindow, everyM: 10 });
    expect(decision.fire).toEqual([]);
  });

  it('handles MultiPolygon areas', () => {
    const multi = loadTask({
      id: 'two-places',
      area: {
        type: 'MultiPolygon',
        coordinates: [
          [[[12.50, 55.60], [12.51, 55.60], [12.51, 55.61], [12.50, 55.60]]],
          [[[12.5530, 55.6890], [12.5560, 55.6890], [12.5560, 55.6905], [12.5530, 55.6890]]],
        ],
      },
    });
    const decision = decideCaptures({ fix: fix({ lon: 12.5555, lat: 55.6893 }), tasks: [multi], lastCaptureAt: new Map(), nowMs: inWindow, everyM: 10 });
    expect(decision.fire.map((t) => t.id)).toEqual(['two-places']);
  });
});

describe('TaskRegistry', () => {
  it('replaces on a newer revision, ignores older ones and duplicates, removes on withdraw', () => {
    const registry = new TaskRegistry();
    expect(registry.upsert(loadTask({ revision: 2 }))).toBe('added');
    expect(registry.upsert(loadTask({ revision: 2 }))).toBe('unchanged');
    expect(registry.upsert(loadTask({ revision: 1, purpose: 'old' }))).toBe('stale');
    expect(registry.get('permit-4711')?.revision).toBe(2);
    expect(registry.upsert(loadTask({ revision: 3 }))).toBe('updated');
    expect(registry.withdraw('permit-4711')).toBe(true);
    expect(registry.withdraw('permit-4711')).toBe(false);
    expect(registry.size).toBe(0);
  });
});
