import { describe, expect, it } from 'vitest';
import { judgeFix } from '../../../agent/core/gps/fixFilter.ts';
import { judgeHealth } from '../../../agent/core/status/health.ts';
import { describeSkew, isSkewed } from '../../../agent/core/time/clockSkew.ts';

const now = Date.parse('2026-12-10T12:00:00Z');
const fix = (timeMs: number) => ({ timeMs, lat: 55.69, lon: 12.55, mode: 3 as const, horizontalErrorM: 5 });
const options = { maxErrorM: 30, maxFixAgeMs: 2_000, maxAheadMs: 5_000 };

describe('the clock against GPS time', () => {
  it('does not use a fix dated more than clock.maxSkewS ahead; one a little ahead is used', () => {
    expect(judgeFix(fix(now + 3 * 86_400_000), now, null, options)).toBe('future');
    expect(judgeFix(fix(now + 5_001), now, null, options)).toBe('future');
    expect(judgeFix(fix(now + 4_000), now, null, options)).toBeNull();
    expect(judgeFix(fix(now - 3_000), now, null, options)).toBe('stale');
  });

  it('names the skew and its direction', () => {
    expect(describeSkew(-3 * 86_400_000)).toBe('system clock behind GPS time by 3.0 d (-259200 s)');
    expect(describeSkew(7_400)).toBe('system clock ahead of GPS time by 7.4 s (7 s)');
    expect(isSkewed(null, 5_000)).toBe(false);
    expect(isSkewed(-5_001, 5_000)).toBe(true);
    expect(isSkewed(5_000, 5_000)).toBe(false);
  });

  it('makes the health degraded while the skew is over the limit', () => {
    const input = { uptimeMs: 1_000, camera: { armed: false, state: 'off' as const, error: null, restartsInRow: 0 }, gps: { connected: true, fixAgeMs: 0 }, disk: { freeBytes: null } };
    const limits = { noFixMs: 60_000, minFreeBytes: 0, maxClockSkewMs: 5_000 };
    expect(judgeHealth({ ...input, clock: { skewMs: 2_000 } }, limits)).toEqual({ health: 'ok', reasons: [] });
    expect(judgeHealth({ ...input, clock: { skewMs: 3_600_000 } }, limits)).toEqual({
      health: 'degraded',
      reasons: ['system clock ahead of GPS time by 1.0 h (3600 s): no frames are taken'],
    });
  });
});
