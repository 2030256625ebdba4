// Observation recorder port: what the capture loop hands each decision to; stored durably before it returns.
import type { ObservationMessage } from '../core/tasks/messages.ts';

export interface ObservationRecorder {
  record(observation: ObservationMessage): void;
}
