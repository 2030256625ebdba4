// The per-task verdict on a frame judged by one model: outcome by the unsure band around minConfidence (± 0.1), and
// whether the frame is kept by the task's keep rule.
import { describe, expect, it } from 'vitest';
import { judgeFrame } from '../../../agent/core/detection/frameVerdict.ts';
import { buildObservation } from '../../../agent/core/tasks/observation.ts';
import { observationSchema } from '../../../agent/core/tasks/messages.ts';
import type { Task } from '../../../agent/core/tasks/task.ts';
import type { Detection } from '../../../agent/ports/detector.ts';

const task = (changes: Partial<Task>): Task =>
  ({ id: 't1', revision: 2, lookFor: ['car'], keep: 'match', minConfidence: 0.4, ...changes }) as Task;
const car = (score: number): Detection => ({ label: 'car', score, box: { x1: 0, y1: 0, x2: 10, y2: 10 }, detector: 'yolox' }) as unknown as Detection;
const dog = (score: number): Detection => ({ ...car(score), label: 'dog' }) as Detection;

describe('judgeFrame', () => {
  it.each([
    // keep, minConfidence, detections, outcome, kept
    ['match', 0.4, [car(0.9)], 'found', true],
    ['match', 0.4, [car(0.3)], 'uncertain', false],
    ['match', 0.4, [car(0.1)], 'not_found', false],
    ['match', 0.4, [dog(0.99)], 'not_found', false],
    ['match', 0.4, [car(0.45)], 'uncertain', true],
    ['match', 0.4, [car(0.5)], 'found', true],
    ['match', 0.8, [car(0.7)], 'uncertain', false],
    ['match', 0.8, [car(0.65)], 'not_found', false],
    ['match', 0.2, [car(0.25)], 'uncertain', true],
    ['match', 0.2, [car(0.3)], 'found', true],
    ['all', 0.4, [], 'not_found', true],
    ['all', 0.4, [car(0.9)], 'found', true],
    ['none', 0.4, [car(0.9)], 'found', false],
    ['none', 0.4, [], 'not_found', false],
  ] as const)('keep %s, minConfidence %s, %j → %s, kept %s', (keep, minConfidence, detections, outcome, kept) => {
    const [v] = judgeFrame([task({ keep, minConfidence })], detections);
    expect(v!.outcome).toBe(outcome);
    expect(v!.keepFrame).toBe(kept);
  });

  it('judges each task by its own rule on the same frame', () => {
    const verdicts = judgeFrame(
      [task({ id: 'a', minConfidence: 0.5 }), task({ id: 'b', minConfidence: 0.7 }), task({ id: 'c', minConfidence: 0.9 }), task({ id: 'd', lookFor: ['dog'] })],
      [car(0.6), car(0.55)],
    );
    expect(verdicts.map((v) => [v.task.id, v.outcome, v.keepFrame])).toEqual([
      ['a', 'found', true],
      ['b', 'uncertain', false],
      ['c', 'not_found', false],
      ['d', 'not_found', false],
    ]);
    expect(verdicts[0]!.found).toEqual([{ label: 'car', score: 0.6, count: 2 }]);
  });

  it('a margin of 0 never calls a frame uncertain', () => {
    expect(judgeFrame([task({})], [car(0.39)], 0)[0]!.outcome).toBe('not_found');
    expect(judgeFrame([task({})], [car(0.4)], 0)[0]!.outcome).toBe('found');
  });

  it('builds an observation that its published schema accepts, "all in order" included', () => {
    const [v] = judgeFrame([task({ keep: 'none' })], []);
    const obs = buildObservation({ vehicleId: 'bus-1', verdict: v!, capturedAtMs: Date.UTC(2026, 11, 10, 8), lat: 55.69, lon: 12.55, evidenceIds: [] });
    expect(observationSchema.parse(obs)).toMatchObject({ taskId: 't1', revision: 2, outcome: 'not_found', keep: 'none', evidenceIds: [], detections: [] });
  });
});
