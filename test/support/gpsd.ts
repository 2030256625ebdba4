// Starts a real gpsd fed by gpsfake from an NMEA file on a free loopback port, and stops it by PID.
import net from 'node:net';
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

/** Attempts at a gpsfake that reports fixes: on a loaded machine its gpsd now and then never takes up the pty. */
const ATTEMPTS = 3;

/**
 * gpsfake runs its own gpsd (-N, listening on loopback only by default) on a pty it feeds with the file, looping
 * the file. -n: feed at once rather than waiting for a client, so a restarted gpsd has fixes for a reconnecting client.
 * Returned once that gpsd has reported a fix to a client: a test then starts from a working receiver, and a gpsd
 * that listens but never reports (its device not taken up) is replaced rather than failing the test as the agent's
 * fault.
 */
export async function startGpsfake(nmeaFile: string, options: FakeGpsdOptions = {}): Promise<FakeGpsd> {
  const port = options.port ?? (await freePort());
  const args = ['-n', '-q', '-P', String(port), '-c', String(options.cycleS ?? 0.1), nmeaFile];
  const failures: string[] = [];
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const daemon = startDaemon('gpsfake', args);
    try {
      await waitForPort(port, 15_000);
      await firstFix(port, 15_000);
      return { port, pid: daemon.pid, output: daemon.output, stop: daemon.stop };
    } catch (error) {
      await daemon.stop();
      failures.push(`attempt ${attempt}: ${(error as Error).message}\n${daemon.output()}`);
    }
  }
  throw new Error(`gpsfake on ${port} never reported a fix:\n${failures.join('\n')}`);
}

/** Resolves once gpsd sends a watching client a TPV report with a 2D or 3D fix. */
export function firstFix(port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let pending = '';
    const timer = setTimeout(() => done(new Error(`no fix reported in ${timeoutMs} ms`)), timeoutMs);
    const done = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.on('connect', () => socket.write('?WATCH={"enable":true,"json":true};\n'));
    socket.on('error', (err) => done(err));
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          const report = JSON.parse(line) as { class?: string; mode?: number };
          if (report.class === 'TPV' && (report.mode ?? 0) >= 2) return done();
        } catch {
          // not JSON: ignore
        }
      }
    });
  });
}
