import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../../agent/core/time/backoff.ts';

describe('backoffDelayMs', () => {
  const options = { minMs: 1000, maxMs: 60_000 };
  it.each([
    [1, 0, 500],
    [1, 0.5, 750],
    [2, 0, 1000],
    [4, 0.5, 6000],
    [20, 0, 30_000],
    [20, 0.5, 45_000],
  ])('attempt %i with draw %f waits %i ms', (attempt, random, expected) => {
    expect(backoffDelayMs(attempt, options, random)).toBe(expected);
  });
});
