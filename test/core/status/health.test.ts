// The health verdict and the rolling p95: tables of what makes a vehicle "degraded", and what does not.
import { describe, expect, it } from 'vitest';
import { judgeHealth, type HealthInput } from '../../../agent/core/status/health.ts';
import { RollingWindow } from '../../../agent/core/status/rollingWindow.ts';

const limits = { noFixMs: 120_000, minFreeBytes: 256 * 1024 ** 2 };
const fine: HealthInput = {
  uptimeMs: 600_000,
  camera: { armed: true, state: 'running', error: null, restartsInRow: 0 },
  gps: { connected: true, fixAgeMs: 1_000 },
  disk: { freeBytes: 10 * 1024 ** 3 },
};

describe('judgeHealth', () => {
  it.each([
    ['all parts fine', {}, []],
    ['camera off outside task areas', { camera: { armed: false, state: 'off', error: null, restartsInRow: 0 } }, []],
    ['camera starting', { camera: { armed: true, state: 'starting', error: null, restartsInRow: 0 } }, []],
    ['a failed camera that is not wanted', { camera: { armed: false, state: 'failed', error: 'gone', restartsInRow: 0 } }, []],
    ['armed camera failing', { camera: { armed: true, state: 'failed', error: 'no frame for 5000 ms', restartsInRow: 0 } }, ['camera failing: no frame for 5000 ms']],
    ['camera restarting after failures', { camera: { armed: true, state: 'starting', error: 'stream ended', restartsInRow: 2 } }, ['camera failing: stream ended']],
    ['camera delivering again', { camera: { armed: true, state: 'running', error: null, restartsInRow: 2 } }, []],
    ['gpsd unreachable', { gps: { connected: false, fixAgeMs: 3_000 } }, ['gpsd unreachable']],
    ['gpsd not yet tried', { uptimeMs: 2_000, gps: { connected: null, fixAgeMs: null } }, []],
    ['no fix for long', { gps: { connected: true, fixAgeMs: 300_000 } }, ['no GPS fix for 300 s']],
    ['never a fix, long after start', { gps: { connected: true, fixAgeMs: null } }, ['no GPS fix since start (600 s)']],
    ['never a fix, just started', { uptimeMs: 30_000, gps: { connected: true, fixAgeMs: null } }, []],
    ['replayed file without connection', { gps: { connected: null, fixAgeMs: 500 } }, []],
    ['disk nearly full', { disk: { freeBytes: 100 * 1024 ** 2 } }, ['disk nearly full: 100 MiB free']],
    ['disk unreadable', { disk: { freeBytes: null } }, []],
  ] as const)('%s', (_name, change, reasons) => {
    const verdict = judgeHealth({ ...fine, ...(change as Partial<HealthInput>) }, limits);
    expect(verdict.reasons).toEqual(reasons);
    expect(verdict.health).toBe(reasons.length === 0 ? 'ok' : 'degraded');
  });

  it('names every problem at once', () => {
    const verdict = judgeHealth(
      { ...fine, camera: { armed: true, state: 'failed', error: 'x', restartsInRow: 0 }, gps: { connected: false, fixAgeMs: null }, disk: { freeBytes: 0 } },
      limits,
    );
    expect(verdict.reasons).toHaveLength(3);
  });
});

describe('RollingWindow', () => {
  it('gives the nearest-rank p95 of only the newest values', () => {
    const w = new RollingWindow(100);
    expect(w.percentile(95)).toBeNull();
    for (let i = 1; i <= 100; i++) w.push(i);
    expect(w.percentile(95)).toBe(95);
    expect(w.percentile(100)).toBe(100);
    // 100 more of 1000 ms push the old ones out of the window entirely.
    for (let i = 0; i < 100; i++) w.push(1000);
    expect(w.percentile(50)).toBe(1000);
    expect(w.count).toBe(100);
    expect(w.pushed).toBe(200);
  });

  it('ignores values that are not numbers', () => {
    const w = new RollingWindow(3);
    w.push(Number.NaN);
    w.push(7);
    expect(w.percentile(95)).toBe(7);
  });
});
