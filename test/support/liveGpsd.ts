// A real gpsd reading a pty that the test writes NMEA to in real time (DESIGN.md): sentences stamped with the current
// time — or a time the test chooses, e.g. days ahead — once a second, unlike gpsfake's replayed timestamps.
import { spawn } from 'node:child_process';
import { formatGga, formatRmc, type TrackPoint } from '../../agent/core/gps/nmea.ts';
import { startDaemon, waitForPort, type Daemon } from './daemon.ts';
import { firstFix } from './gpsd.ts';
import { freePort } from './freePort.ts';

/** Opens a pty, prints the slave's path, then copies stdin to the master: what gpsd reads is what the test writes. */
const PTY_RELAY = `
import os, sys, tty
master, slave = os.openpty()
tty.setraw(slave)
name = os.ttyname(slave)
os.chmod(name, 0o666)
print(name, flush=True)
for line in sys.stdin.buffer:
    os.write(master, line)
`;

export interface LiveGpsd {
  readonly port: number;
  /** Writes one RMC + GGA pair for this point (its timeMs is the receiver time gpsd will report). */
  send(point: TrackPoint): void;
  output(): string;
  stop(): Promise<void>;
}

export async function startLiveGpsd(): Promise<LiveGpsd> {
  const relay = spawn('python3', ['-c', PTY_RELAY], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const device = await new Promise<string>((resolve, reject) => {
    let out = '';
    relay.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    relay.once('exit', (code) => reject(new Error(`pty relay exited (${code})`)));
  });
  const port = await freePort();
  // -N foreground, -n poll the device without waiting for a client, -b read-only (never writes to the "receiver").
  const gpsd: Daemon = startDaemon('gpsd', ['-N', '-n', '-b', '-S', String(port), device]);
  await waitForPort(port, 15_000);
  return {
    port,
    send(point) {
      relay.stdin.write(`${formatRmc(point)}\r\n${formatGga(point, { hdop: 0.9, satellites: 9 })}\r\n`);
    },
    output: () => gpsd.output(),
    async stop() {
      await gpsd.stop();
      relay.stdin.end();
      if (relay.exitCode === null) {
        const exited = new Promise<void>((r) => relay.once('exit', () => r()));
        try {
          process.kill(-relay.pid!, 'SIGTERM');
        } catch {
          /* already gone */
        }
        await exited;
      }
    },
  };
}

/** Attempts at a fed gpsd that reports fixes: on a loaded machine gpsd now and then never takes up the pty. */
const ATTEMPTS = 3;

/**
 * A live gpsd fed a fix a second at one place, stamped with the current time plus `offsetMs`; returned
 * once it has reported a fix to a client, so a test starts from a working receiver (a gpsd that never reports is
 * replaced rather than failing the test as the agent's fault). Its stop also ends the feed.
 */
export async function startFedGpsd(offsetMs = 0): Promise<LiveGpsd> {
  const failures: string[] = [];
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const gpsd = await startLiveGpsd();
    const feed = setInterval(() => gpsd.send({ timeMs: Date.now() + offsetMs, lon: 12.5545, lat: 55.6897, speedMps: 5, trackDeg: 315 }), 1_000);
    const stop = async () => {
      clearInterval(feed);
      await gpsd.stop();
    };
    try {
      await firstFix(gpsd.port, 15_000);
      return { ...gpsd, stop };
    } catch (error) {
      failures.push(`attempt ${attempt}: ${(error as Error).message}\n${gpsd.output()}`);
      await stop();
    }
  }
  throw new Error(`a live gpsd never reported a fix:\n${failures.join('\n')}`);
}
