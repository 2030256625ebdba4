// The pure parts of the central commands and the report, by table: topic filters, which ack answers what was sent,
// the fleet table, and every trigger's fate read from log lines.
import { describe, expect, it } from 'vitest';
import { answers } from '../../tools/central/acks.ts';
import { topicMatcher } from '../../tools/central/retained.ts';
import { statusTable } from '../../tools/central/status.ts';
import type { VehicleView } from '../../tools/central/fleetView.ts';
import { triggersFromLog } from '../../tools/report/triggers.ts';

describe('topicMatcher', () => {
  it.each([
    ['p/vehicle/+/status', 'p/vehicle/v1/status', true],
    ['p/vehicle/+/status', 'p/vehicle/v1/status/x', false],
    ['p/vehicle/+/status', 'p/vehicle/status', false],
    ['p/#', 'p/fleet/f/manifest', true],
    ['p/fleet/f/manifest', 'p/fleet/g/manifest', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatcher(filter)(topic)).toBe(expected);
  });
});

describe('answers', () => {
  const task = { vehicleId: 'v', taskId: 't', revision: 3, kind: 'task' as const };
  const withdrawal = { ...task, kind: 'withdrawal' as const, revision: 4 };
  it.each([
    [task, { taskId: 't', revision: 3, status: 'accepted', errors: [] }, true],
    [task, { taskId: 't', revision: 3, status: 'rejected', errors: [{ path: 'lookFor', message: 'x' }] }, true],
    [task, { taskId: 't', revision: 2, status: 'accepted', errors: [] }, false],
    [task, { taskId: 'u', revision: 3, status: 'accepted', errors: [] }, false],
    [withdrawal, { taskId: 't', revision: 4, status: 'withdrawn', errors: [] }, true],
    [withdrawal, { taskId: 't', revision: null, status: 'withdrawn', errors: [] }, true],
    [withdrawal, { taskId: 't', revision: 4, status: 'rejected', errors: [] }, true],
    [withdrawal, { taskId: 't', revision: 3, status: 'accepted', errors: [] }, false],
  ] as const)('%o answered by %o: %s', (expected, ack, result) => {
    expect(answers(expected, ack as never)).toBe(result);
  });
});

describe('statusTable', () => {
  const base: VehicleView = {
    vehicleId: 'sweeper-07', fleetId: 'kbh', state: 'online', health: 'ok', reasons: [], statusAt: '2026-12-01T10:00:00.000Z',
    tasksHeld: 12, taskSync: null, tasksAssigned: 14, queue: { pending: 3, bytes: 3 * 1024 * 1024, parked: 1 }, lastUploadAt: '2026-12-01T09:58:00.000Z',
  };
  it('shows held against assigned, the vehicle\'s own check where it reports one, ages and reasons', () => {
    const now = Date.parse('2026-12-01T10:00:30.000Z');
    const lines = statusTable(
      [base, { ...base, vehicleId: 'bus-1', health: 'degraded', reasons: ['gpsd unreachable'], taskSync: { held: 10, expected: 14, missing: 4 } }, { ...base, vehicleId: 'bus-2', state: 'offline', health: null, statusAt: null, tasksHeld: null, queue: null, lastUploadAt: null }],
      now,
    );
    expect(lines[1]).toMatch(/^sweeper-07\s+kbh\s+online\s+ok\s+12\/14\s+3 \(3\.0 MiB\), 1 parked\s+3 min ago\s+30 s ago$/);
    expect(lines[2]).toMatch(/^bus-1\s+kbh\s+online\s+degraded\s+10\/14 \(4 missing\).*gpsd unreachable$/);
    expect(lines[3]).toMatch(/^bus-2\s+kbh\s+offline\s+-\s+\?\/14\s+-\s+-\s+-$/);
    expect(statusTable([], now)).toEqual(['no vehicle has a retained status at this broker']);
  });
});

describe('triggersFromLog', () => {
  const line = (o: object) => JSON.stringify({ level: 30, ...o });
  it('gives one trigger per fix with its fate; a frame kept for one task is kept; junk lines are passed over', () => {
    const text = [
      line({ decision: 'keep', taskId: 'a', evidenceId: 'e1', lat: 1, lon: 2, fixAt: '2026-12-01T10:00:01Z' }),
      line({ decision: 'not_found', taskId: 'b' }),
      line({ decision: 'keep', taskId: 'c', evidenceId: 'e2', lat: 1, lon: 2, fixAt: '2026-12-01T10:00:01Z' }),
      line({ decision: 'drop', reason: 'no-target', taskIds: ['a'], lat: 1, lon: 2, fixAt: '2026-12-01T10:00:02Z' }),
      line({ decision: 'drop', reason: 'redaction-deadline', taskIds: ['a'], lat: 1, lon: 2, fixAt: '2026-12-01T10:00:03Z' }),
      line({ decision: 'no-frame', taskIds: ['a'], lat: 1, lon: 2, fixAt: '2026-12-01T10:00:04Z' }),
      line({ decision: 'skip', reason: 'busy', taskIds: ['a'], lat: 1, lon: 2, fixAt: '2026-12-01T10:00:05Z' }),
      line({ decision: 'drop', reason: 'no-target', taskIds: ['a'] }),
      line({ decision: 'keep', lat: 'x', lon: 2, fixAt: 'z' }),
      '{"decision": broken',
      'x'.repeat(70_000) + '"decision"',
    ].join('\n');
    const triggers = triggersFromLog(text);
    expect(triggers.map((t) => t.fate)).toEqual(['kept', 'no-target', 'failed', 'skipped', 'skipped']);
    expect(triggers[0]).toMatchObject({ taskIds: ['a', 'c'], evidenceIds: ['e1', 'e2'] });
    expect(triggers[2]!.detail).toBe('dropped: redaction-deadline');
  });
});
