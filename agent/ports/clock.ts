// Clock port: the one source of "now", injectable so retention, backoff and windows are testable.
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };
