// Stopping in order: a part that fails or hangs is logged, and the parts before it still stop.
import { describe, expect, it } from 'vitest';
import { stopParts, type Stoppable } from '../../agent/services/stopParts.ts';

function recorder() {
  const errors: { fields: Record<string, unknown>; msg: string }[] = [];
  return { errors, logger: { error: (fields: Record<string, unknown>, msg: string) => errors.push({ fields, msg }) } };
}

describe('stopParts', () => {
  it('stops the last started first, and goes on past a failure and past a part that never stops', async () => {
    const order: string[] = [];
    const part = (name: string, stop: () => Promise<void>): Stoppable => ({ name, stop: async () => (order.push(name), stop()) });
    const parts = [
      part('queue', async () => {}),
      part('camera', () => new Promise<void>(() => {})),
      part('mqtt', async () => {
        throw new Error('socket gone');
      }),
      part('capture', async () => {}),
    ];
    const { errors, logger } = recorder();
    const started = Date.now();
    await stopParts(parts, 200, logger as never);
    expect(order).toEqual(['capture', 'mqtt', 'camera', 'queue']);
    expect(parts).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(errors).toEqual([
      { fields: { component: 'mqtt', err: 'socket gone' }, msg: 'stop failed' },
      { fields: { component: 'camera', timeoutMs: 200 }, msg: 'did not stop in time; stopping the rest' },
    ]);
  });
});
