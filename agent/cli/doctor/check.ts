// What one doctor check reports, and a deadline helper so no check can hang the doctor.
import type { Config } from '../../config/schema.ts';
import type { Logger } from 'pino';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  /** Short name of the part checked: gps, camera, broker, tasks, ingest, models, disk, clock, signing. */
  readonly name: string;
  readonly status: CheckStatus;
  /** One line a technician can act on. */
  readonly detail: string;
}

export interface CheckContext {
  readonly config: Config;
  readonly logger: Logger;
  /** Upper bound for waiting on one part (a fix, a frame, a connection). */
  readonly timeoutMs: number;
}

export type Check = (context: CheckContext) => Promise<CheckResult>;

/** Resolves with the promise, or rejects with `what` after timeoutMs. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
