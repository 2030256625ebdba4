// The agent as an ordered list of parts: each started in turn, the started ones stopped in reverse (stopParts).
import type { Logger } from 'pino';
import { stopParts, type Stoppable } from './stopParts.ts';

/** Anything the agent starts and must release again: a store, a model, a connection, a loop. */
export interface Lifecycle {
  start(signal: AbortSignal): Promise<void> | void;
  /** Releases everything the part holds (sessions, threads, timers, sockets, pipelines); safe when never started. */
  stop(): Promise<void> | void;
}

export interface Part extends Lifecycle {
  readonly name: string;
}

/** A part from a name and what it runs. */
export function part(name: string, lifecycle: Lifecycle): Part {
  return { name, start: (signal) => lifecycle.start(signal), stop: () => lifecycle.stop() };
}

/**
 * Starts `parts` in order; returns the started ones (to hand to stopParts). On a failure, stops what had started,
 * in reverse, and rethrows. An abort stops the sequence between parts: what started is returned.
 */
export async function startParts(parts: readonly Part[], signal: AbortSignal, stopTimeoutMs: number, logger: Logger): Promise<Stoppable[]> {
  const started: Stoppable[] = [];
  for (const p of parts) {
    if (signal.aborted) break;
    try {
      await p.start(signal);
    } catch (err) {
      logger.fatal({ component: p.name, err: (err as Error).message }, 'start failed');
      await stopParts(started, stopTimeoutMs, logger);
      throw err;
    }
    started.push({ name: p.name, stop: async () => p.stop() });
  }
  return started;
}
