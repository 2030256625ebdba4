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

export interface LocalBrokerOptions {
  /** Keep retained messages and sessions in this folder across a stop and a start (the caller owns the folder). */
  readonly persistenceDir?: string;
  /** A TLS listener instead of plain TCP; with requireClientCert, clients must show a certificate the CA signed. */
  readonly tls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string; readonly requireClientCert?: boolean };
  /** A mosquitto_passwd file: anonymous clients are then refused. */
  readonly passwordFile?: string;
}

export async function startLocalBroker(port: number, options: LocalBrokerOptions = {}): Promise<LocalBroker> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-mosquitto-'));
  const configFile = path.join(dir, 'mosquitto.conf');
  // Debian's mosquitto 2 needs an explicit listener and allow_anonymous; as root it would drop to its own user,
  // so it stays root here and writes no pid files, and persistence only where the caller asks for it.
  const persistence =
    options.persistenceDir !== undefined
      ? ['persistence true', `persistence_location ${options.persistenceDir}/`, 'autosave_interval 1']
      : ['persistence false'];
  const tls =
    options.tls !== undefined
      ? [
          `cafile ${options.tls.caFile}`,
          `certfile ${options.tls.certFile}`,
          `keyfile ${options.tls.keyFile}`,
          `require_certificate ${options.tls.requireClientCert === true ? 'true' : 'false'}`,
        ]
      : [];
  const auth = options.passwordFile !== undefined ? ['allow_anonymous false', `password_file ${options.passwordFile}`] : ['allow_anonymous true'];
  writeFileSync(
    configFile,
    [`listener ${port} 127.0.0.1`, ...tls, ...auth, 'log_dest stderr', ...persistence, 'user root', ''].join('\n'),
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
    url: `${options.tls !== undefined ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
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
