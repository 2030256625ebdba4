// Starting in order: a part that fails to start stops the ones started before it, last first, and the error
// reaches the caller; an abort between parts starts no more of them.
import { describe, expect, it } from 'vitest';
import { part, startParts } from '../../agent/services/parts.ts';
import { stopParts } from '../../agent/services/stopParts.ts';
import { testLogger } from '../support/logger.ts';

function recording(order: string[], name: string, failStart = false) {
  return part(name, {
    start: async () => {
      order.push(`start ${name}`);
      if (failStart) throw new Error(`${name} cannot start`);
    },
    stop: () => {
      order.push(`stop ${name}`);
    },
  });
}

describe('startParts', () => {
  it('starts first to last; stopParts then stops last to first', async () => {
    const order: string[] = [];
    const started = await startParts([recording(order, 'queue'), recording(order, 'mqtt'), recording(order, 'gps')], new AbortController().signal, 1_000, testLogger);
    await stopParts(started, 1_000, testLogger);
    expect(order).toEqual(['start queue', 'start mqtt', 'start gps', 'stop gps', 'stop mqtt', 'stop queue']);
  });

  it('on a failed start, stops what had started, last first, never the part that failed nor those after it, and rethrows', async () => {
    const order: string[] = [];
    const parts = [recording(order, 'queue'), recording(order, 'objects'), recording(order, 'redactor', true), recording(order, 'mqtt')];
    await expect(startParts(parts, new AbortController().signal, 1_000, testLogger)).rejects.toThrow('redactor cannot start');
    expect(order).toEqual(['start queue', 'start objects', 'start redactor', 'stop objects', 'stop queue']);
  });

  it('starts no further part once aborted, and returns those started for stopping', async () => {
    const order: string[] = [];
    const controller = new AbortController();
    const parts = [
      recording(order, 'queue'),
      part('mqtt', { start: () => controller.abort(), stop: () => void order.push('stop mqtt') }),
      recording(order, 'gps'),
    ];
    const started = await startParts(parts, controller.signal, 1_000, testLogger);
    expect(started.map((p) => p.name)).toEqual(['queue', 'mqtt']);
    await stopParts(started, 1_000, testLogger);
    expect(order).toEqual(['start queue', 'stop mqtt', 'stop queue']);
  });
});
