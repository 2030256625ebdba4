// A real AF_UNIX datagram listener standing in for systemd's notify socket (Node has none; python3 does).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface NotifyListener {
  readonly socketPath: string;
  /** Every datagram received so far, as text. */
  readonly messages: string[];
  waitFor(predicate: (messages: string[]) => boolean, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

const LISTENER = `
import socket, sys, json
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    data = s.recv(65536)  # ancillary data (a barrier's fd) is not taken, so the kernel closes it: the barrier completes
    print(json.dumps(data.decode()), flush=True)
`;

export async function startNotifyListener(): Promise<NotifyListener> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-notify-'));
  const socketPath = path.join(dir, 'notify.sock');
  const child = spawn('python3', ['-u', '-c', LISTENER, socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: string[] = [];
  let buffer = '';
  let listening: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (listening = resolve));
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line === 'listening') listening();
      else messages.push(JSON.parse(line) as string);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([ready, exited.then(() => Promise.reject(new Error('notify listener (python3) did not start')))]);
  return {
    socketPath,
    messages,
    async waitFor(predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(messages)) {
        if (Date.now() > deadline) throw new Error(`notify messages so far: ${JSON.stringify(messages)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
