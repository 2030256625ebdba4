// Builds the observation message for one task's decision about one frame (see observationSchema in messages.ts).
import { randomUUID } from 'node:crypto';
import type { TaskVerdict } from '../detection/frameVerdict.ts';
import type { ObservationMessage } from './messages.ts';

export interface ObservationInput {
  readonly vehicleId: string;
  readonly verdict: TaskVerdict;
  readonly capturedAtMs: number;
  readonly lat: number;
  readonly lon: number;
  readonly evidenceIds: readonly string[];
  readonly note?: string;
  /** Injectable for tests; a fresh UUID otherwise. */
  readonly id?: string;
}

export function buildObservation(input: ObservationInput): ObservationMessage {
  const { verdict } = input;
  return {
    id: input.id ?? randomUUID(),
    vehicleId: input.vehicleId,
    taskId: verdict.task.id,
    revision: verdict.task.revision,
    outcome: verdict.outcome,
    keep: verdict.task.keep,
    at: new Date(input.capturedAtMs).toISOString(),
    lat: input.lat,
    lon: input.lon,
    detections: verdict.seen.map((c) => ({ label: c.label, score: Math.round(c.score * 1000) / 1000, count: c.count })),
    evidenceIds: [...input.evidenceIds],
    ...(input.note !== undefined ? { note: input.note } : {}),
  };
}
