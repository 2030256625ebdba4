// Which GPS fixes may drive the trigger: a real fix (2D/3D), accurate enough, fresh, and newer than the last one.
import type { Fix } from './fix.ts';

export interface FixFilterOptions {
  /** Largest horizontal error (gpsd's eph, or max of epx/epy) accepted, in metres; only where the receiver reports one. */
  readonly maxErrorM: number;
  /** A fix older than this (receiver time against the clock) is not used. */
  readonly maxFixAgeMs: number;
  /** A fix dated further ahead of the clock than this is not used (a receiver or a system clock that is off); absent: not checked. */
  readonly maxAheadMs?: number;
}

export type FixRejection = 'no-fix' | 'inaccurate' | 'stale' | 'future' | 'out-of-order';

/** Judges one fix; `lastAcceptedMs` is the receiver time of the last fix accepted, or null. */
export function judgeFix(fix: Fix, nowMs: number, lastAcceptedMs: number | null, options: FixFilterOptions): FixRejection | null {
  if (fix.mode < 2 || !Number.isFinite(fix.lat) || !Number.isFinite(fix.lon)) return 'no-fix';
  if (fix.horizontalErrorM !== undefined && !(fix.horizontalErrorM <= options.maxErrorM)) return 'inaccurate';
  if (nowMs - fix.timeMs > options.maxFixAgeMs) return 'stale';
  if (options.maxAheadMs !== undefined && fix.timeMs - nowMs > options.maxAheadMs) return 'future';
  if (lastAcceptedMs !== null && fix.timeMs <= lastAcceptedMs) return 'out-of-order';
  return null;
}
