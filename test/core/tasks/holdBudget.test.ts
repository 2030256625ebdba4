import { describe, expect, it } from 'vitest';
import { HoldBudget } from '../../../agent/core/tasks/holdBudget.ts';
import { RecentPayloads } from '../../../agent/core/tasks/recentPayloads.ts';

const room = (count: number, extra: Partial<{ replacing: boolean; idsKnown: number; idKnown: boolean }> = {}) => ({
  count,
  replacing: false,
  idsKnown: count,
  idKnown: false,
  ...extra,
});

describe('HoldBudget', () => {
  it('refuses a new task past maxHeld, naming the setting, but takes a new revision of a held one', () => {
    const b = new HoldBudget(2, 1_000);
    expect(b.roomFor('c', 10, room(2))).toMatch(/tasks\.maxHeld/);
    expect(b.roomFor('a', 10, room(2, { replacing: true, idKnown: true }))).toBeNull();
  });

  it('counts the bytes held, a replaced message once, a released task not at all', () => {
    const b = new HoldBudget(10, 100);
    b.hold('a', 60);
    expect(b.roomFor('b', 50, room(1))).toMatch(/tasks\.maxHeldBytes/);
    expect(b.roomFor('a', 90, room(1, { replacing: true, idKnown: true }))).toBeNull();
    b.hold('a', 90);
    b.release('a');
    expect(b.roomFor('b', 100, room(0))).toBeNull();
  });

  it('stops taking new task ids once ten times maxHeld are remembered', () => {
    const b = new HoldBudget(3, 1_000);
    expect(b.roomFor('new', 1, room(0, { idsKnown: 30 }))).toMatch(/remembers 30 task ids/);
    expect(b.roomFor('old', 1, room(0, { idsKnown: 30, idKnown: true }))).toBeNull();
  });
});

describe('RecentPayloads', () => {
  it('knows the same bytes again on the same key only, until forgotten', () => {
    const r = new RecentPayloads(10);
    expect(r.repeat('k', Buffer.from('x'))).toBe(false);
    expect(r.repeat('k', Buffer.from('x'))).toBe(true);
    expect(r.repeat('other', Buffer.from('x'))).toBe(false);
    r.forget('k');
    expect(r.repeat('k', Buffer.from('x'))).toBe(false);
  });

  it('holds at most maxKeys topics, the oldest forgotten first', () => {
    const r = new RecentPayloads(2);
    r.repeat('a', Buffer.from('1'));
    r.repeat('b', Buffer.from('1'));
    r.repeat('c', Buffer.from('1'));
    expect(r.repeat('a', Buffer.from('1'))).toBe(false);
    expect(r.repeat('c', Buffer.from('1'))).toBe(true);
  });
});
