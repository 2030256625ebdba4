// After a command has stopped every part it started, the process ends on its own. Should anything still hold it
// (a native thread that was never released), this says what and ends it, so systemd does not have to kill it.
import { writeSync } from 'node:fs';

/** How long a stopped process may take to end on its own. */
export const LAST_RESORT_EXIT_MS = 5_000;

/** Arms an unref'd timer: it never keeps the process alive, and fires only when something else does. */
export function exitSoonAfterStop(command: string, afterMs = LAST_RESORT_EXIT_MS): void {
  setTimeout(() => {
    const holding = process
      .getActiveResourcesInfo()
      .filter((r) => r !== 'Timeout')
      .join(', ');
    // Synchronous and plain: the logger has been flushed and closed by now.
    writeSync(2, `${JSON.stringify({ level: 50, time: Date.now(), component: command, holding, msg: `still running ${afterMs} ms after stop; exiting` })}\n`);
    process.exit();
  }, afterMs).unref();
}
