// A throwaway Mosquitto on loopback for the demo and the tests: own config in a temp folder, stopped by PID.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitForPort } from './loopback.ts';

export interface LocalBroker {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

export async function startLocalBroker(port: number): Promise<LocalBroker> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-mosquitto-'));
  const configFile = path.join(dir, 'mosquitto.conf');
  // Debian's mosquitto 2 needs an explicit listener and allow_anonymous; as root it would drop to its own user,
  // so it stays root here and writes no pid or persistence files.
  writeFileSync(
    configFile,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'log_dest stderr', 'persistence false', 'user root', ''].join('\n'),
  );
  const child = spawn('mosquitto', ['-c', configFile], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`mosquitto could not start: ${err.message} (is it installed?)`)));
    child.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}: ${log.trim()}`)));
  });
  failed.catch(() => undefined);
  await Promise.race([waitForPort(port, 10_000), failed]);
  const pid = child.pid!;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    pid,
    output: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(pid, 'SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
