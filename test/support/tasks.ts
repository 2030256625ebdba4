// Tasks for tests: the permit area of fixtures/tasks/permit-4711.json, active from a minute ago for an hour.
import { parseTask, type Task } from '../../agent/core/tasks/task.ts';

export const PERMIT_AREA = {
  type: 'Polygon' as const,
  coordinates: [[[12.553, 55.689], [12.556, 55.689], [12.556, 55.6905], [12.553, 55.6905], [12.553, 55.689]]],
};

/** A parsed, valid task over the permit area, active now; `changes` override any field of the message. */
export function activePermitTask(changes: Record<string, unknown> = {}, knownLabels: readonly string[] = ['car', 'giraffe']): Task {
  const nowMs = Date.now();
  const parsed = parseTask(
    JSON.stringify({
      id: 'permit-4711',
      revision: 1,
      purpose: 'test',
      area: PERMIT_AREA,
      validFrom: new Date(nowMs - 60_000).toISOString(),
      validUntil: new Date(nowMs + 3_600_000).toISOString(),
      lookFor: ['car'],
      retentionDays: 1,
      ...changes,
    }),
    knownLabels,
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.task;
}
