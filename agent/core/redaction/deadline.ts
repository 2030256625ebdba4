// The redaction deadline: a frame whose redaction takes longer than allowed is dropped, never passed on late.

/** Thrown when redacting a frame overran `redaction.deadlineMs`; the caller drops the frame and counts it. */
export class DeadlineExceededError extends Error {
  constructor(
    readonly elapsedMs: number,
    readonly deadlineMs: number,
    readonly stage: string,
  ) {
    super(`redaction took ${Math.round(elapsedMs)} ms by ${stage}, over the ${deadlineMs} ms deadline — frame must be dropped`);
    this.name = 'DeadlineExceededError';
  }
}

/** Throws DeadlineExceededError when `elapsedMs` is past `deadlineMs` (no deadline when it is undefined). */
export function checkDeadline(elapsedMs: number, deadlineMs: number | undefined, stage: string): void {
  if (deadlineMs !== undefined && elapsedMs > deadlineMs) throw new DeadlineExceededError(elapsedMs, deadlineMs, stage);
}
