import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isActive, parseTask } from '../../../agent/core/tasks/task.ts';

const minimal = readFileSync(new URL('../../../fixtures/tasks/permit-4711.json', import.meta.url));
const labels = ['person', 'car', 'bus', 'truck'];

function withChanges(changes: Record<string, unknown>): string {
  return JSON.stringify({ ...JSON.parse(minimal.toString()), ...changes });
}

describe('parseTask', () => {
  it('accepts the minimal task of the contract as it is', () => {
    const result = parseTask(minimal, labels);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.task.id).toBe('permit-4711');
    expect(result.task.validFromMs).toBe(Date.parse('2026-12-01T06:00:00Z'));
    expect(result.task.priority).toBe(5);
    expect(isActive(result.task, Date.parse('2026-12-10T12:00:00Z'))).toBe(true);
    expect(isActive(result.task, Date.parse('2026-11-30T12:00:00Z'))).toBe(false);
  });

  it.each([
    ['not JSON', '{"id": ', ''],
    ['unknown key', withChanges({ colour: 'red' }), 'unknown key(s): colour'],
    ['open ring', withChanges({ area: { type: 'Polygon', coordinates: [[[12.5, 55.6], [12.6, 55.6], [12.6, 55.7], [12.5, 55.71]]] } }), 'closed'],
    ['latitude out of range', withChanges({ area: { type: 'Polygon', coordinates: [[[12.5, 95], [12.6, 55.6], [12.6, 55.7], [12.5, 95]]] } }), 'area.coordinates.0.0.1'],
    ['window backwards', withChanges({ validUntil: '2026-11-01T00:00:00Z' }), 'validUntil must be after validFrom'],
    ['no zone on time', withChanges({ validFrom: '2026-12-01 06:00' }), 'validFrom'],
    ['unknown class', withChanges({ lookFor: ['unicorn'] }), 'unknown class(es) unicorn; known: person, car, bus, truck'],
    ['missing revision', withChanges({ revision: undefined }), 'revision'],
  ])('rejects %s with a readable error', (_name, payload, expected) => {
    const result = parseTask(payload, labels);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.errors.map((e) => `${e.path}: ${e.message}`).join('\n');
    expect(text).toContain(expected);
  });

  it('keeps the task id and revision of a rejected task for the ack', () => {
    const result = parseTask(withChanges({ lookFor: [] }), labels);
    expect(result).toMatchObject({ ok: false, taskId: 'permit-4711', revision: 1 });
  });
});
