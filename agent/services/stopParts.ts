// Stopping the agent's parts in order without one that hangs keeping the rest (and the process) from stopping.
import type { Logger } from 'pino';

export interface Stoppable {
  readonly name: string;
  stop(): Promise<void>;
}

/**
 * Stops `parts` from the last to the first, each on its own: a failure is logged and the next one stops all the
 * same. A part that has not stopped within `timeoutMs` is logged as hanging and left behind, so the parts started
 * before it (the stores, closed last) still close cleanly and the process can exit before systemd's stop timeout
 * kills it mid-write. Empties `parts`.
 */
export async function stopParts(parts: Stoppable[], timeoutMs: number, logger: Pick<Logger, 'error'>): Promise<void> {
  while (parts.length > 0) {
    const part = parts.pop()!;
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([part.stop().then(() => 'stopped' as const), hung]);
      if (outcome === 'hung') logger.error({ component: part.name, timeoutMs }, 'did not stop in time; stopping the rest');
    } catch (err) {
      logger.error({ component: part.name, err: (err as Error).message }, 'stop failed');
    } finally {
      clearTimeout(timer);
    }
  }
}
