import { describe, expect, it } from 'vitest';
import { RetentionCaps } from '../../../agent/core/evidence/retentionCaps.ts';

describe('RetentionCaps', () => {
  it('shortens an older revision by every later one, never lengthens, and leaves other tasks alone', () => {
    const caps = new RetentionCaps();
    caps.record('t', 2, 7);
    caps.record('t', 3, 90);
    caps.record('t', 4, 14);
    expect(caps.retentionDaysFor('t', 1, 30)).toBe(7);
    expect(caps.retentionDaysFor('t', 2, 7)).toBe(7);
    expect(caps.retentionDaysFor('t', 3, 90)).toBe(14);
    expect(caps.retentionDaysFor('t', 4, 14)).toBe(14);
    expect(caps.retentionDaysFor('t', 1, 3)).toBe(3);
    expect(caps.retentionDaysFor('other', 1, 30)).toBe(30);
  });

  it('stays bounded: the task capped longest ago is forgotten first', () => {
    const caps = new RetentionCaps(2);
    caps.record('a', 2, 1);
    caps.record('b', 2, 1);
    caps.record('a', 3, 2); // a is now the latest
    caps.record('c', 2, 1);
    expect(caps.retentionDaysFor('a', 1, 30)).toBe(1);
    expect(caps.retentionDaysFor('b', 1, 30)).toBe(30);
    expect(caps.retentionDaysFor('c', 1, 30)).toBe(1);
  });
});
