// Exponential backoff with full jitter, as a pure function of the attempt number and a random draw.
export interface BackoffOptions {
  readonly minMs: number;
  readonly maxMs: number;
}

/** Delay before retry number `attempt` (1 = first retry); `random` in [0, 1). */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: number): number {
  const ceilingMs = Math.min(options.maxMs, options.minMs * 2 ** Math.max(0, attempt - 1));
  // Never below half the ceiling, so a retry storm cannot form when many items fail at once.
  return Math.round(ceilingMs / 2 + (random * ceilingMs) / 2);
}
