import { describe, expect, it } from 'vitest';
import { DAY_MS, evictionOrder, planRetention, type StoredItem } from '../../../agent/core/evidence/retention.ts';

const NOW = Date.UTC(2026, 11, 10, 12);
const item = (id: string, priority: number, ageDays: number, retentionDays: number, bytes = 100): StoredItem => ({
  id,
  taskId: `task-${id}`,
  priority,
  createdAtMs: NOW - ageDays * DAY_MS,
  retentionDays,
  bytes,
});
const plan = (items: StoredItem[], usedBytes: number, freeBytes: number, maxBytes = 1_000, minFreeBytes = 0) =>
  planRetention(() => [...items].sort(evictionOrder), NOW, { usedBytes, freeBytes }, { maxBytes, minFreeBytes }).map((d) => [d.id, d.reason]);

describe('planRetention', () => {
  it.each([
    { name: 'nothing to do when within retention and quota', items: [item('a', 5, 1, 30)], used: 100, free: 10_000, want: [] },
    { name: 'expired exactly at the end of its retention', items: [item('a', 5, 30, 30)], used: 100, free: 10_000, want: [['a', 'retention-expired']] },
    { name: 'not yet expired a moment before', items: [item('a', 5, 29.999, 30)], used: 100, free: 10_000, want: [] },
    {
      name: 'expired items go whatever their priority',
      items: [item('hi', 9, 2, 1), item('lo', 1, 0.5, 1)],
      used: 200,
      free: 10_000,
      want: [['hi', 'retention-expired']],
    },
    {
      name: 'over maxBytes: lowest priority first, then oldest, only as many as needed',
      items: [item('hi-old', 9, 5, 30, 400), item('lo-new', 1, 1, 30, 400), item('lo-old', 1, 3, 30, 400), item('mid', 5, 4, 30, 400)],
      used: 1_600,
      free: 10_000,
      want: [['lo-old', 'quota-max-bytes'], ['lo-new', 'quota-max-bytes']],
    },
    {
      name: 'expired items go first, and the quota takes no more than they leave over',
      items: [item('old', 5, 40, 30, 500), item('lo', 1, 1, 30, 500), item('hi', 9, 1, 30, 500)],
      used: 1_500,
      free: 10_000,
      want: [['old', 'retention-expired']],
    },
    {
      name: 'expired items and then the quota',
      items: [item('old', 5, 40, 30, 500), item('lo', 1, 1, 30, 500), item('mid', 5, 1, 30, 500), item('hi', 9, 1, 30, 500)],
      used: 2_000,
      free: 10_000,
      want: [['old', 'retention-expired'], ['lo', 'quota-max-bytes']],
    },
    {
      name: 'low disk: deletes until minFreeBytes is free',
      items: [item('a', 1, 3, 30, 300), item('b', 1, 2, 30, 300), item('c', 1, 1, 30, 300)],
      used: 900,
      free: 100,
      minFree: 600,
      want: [['a', 'quota-min-free'], ['b', 'quota-min-free']],
    },
    {
      name: 'a disk the queue cannot free: everything goes, nothing throws',
      items: [item('a', 1, 1, 30, 10)],
      used: 10,
      free: 0,
      minFree: 1_000_000,
      want: [['a', 'quota-min-free']],
    },
  ])('$name', ({ items, used, free, minFree, want }) => {
    expect(plan(items, used, free, 1_000, minFree ?? 0)).toEqual(want);
  });
});
