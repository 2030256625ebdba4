// Starts a real gpsd fed by gpsfake from an NMEA file on a free loopback port, and stops it by PID.
import { freePort } from './freePort.ts';
import { startDaemon, waitForPort } from './daemon.ts';

export interface FakeGpsd {
  readonly port: number;
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

export interface FakeGpsdOptions {
  /** Reuse a port (to restart "the same" gpsd); default a free one. */
  readonly port?: number;
  /** Seconds between sentences; an RMC+GGA pair per fix makes 0.1 → 5 fixes/s. Default 0.1. */
  readonly cycleS?: number;
}

/**
 * gpsfake runs its own gpsd (-N, listening on loopback only by default) on a pty it feeds with the file, looping
 * the file. -n: feed at once rather than waiting for a client, so a restarted gpsd has fixes for a reconnecting client.
 */
export async function startGpsfake(nmeaFile: string, options: FakeGpsdOptions = {}): Promise<FakeGpsd> {
  const port = options.port ?? (await freePort());
  const args = ['-n', '-q', '-P', String(port), '-c', String(options.cycleS ?? 0.1), nmeaFile];
  const daemon = startDaemon('gpsfake', args);
  try {
    await waitForPort(port, 15_000);
  } catch (error) {
    await daemon.stop();
    throw new Error(`gpsfake did not listen on ${port}: ${(error as Error).message}\n${daemon.output()}`);
  }
  return { port, pid: daemon.pid, output: daemon.output, stop: daemon.stop };
}
