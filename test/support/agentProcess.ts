// The agent as its own process (`node --import tsx agent/main.ts run`), for tests that stop, kill and restart it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export const repoRoot = new URL('../..', import.meta.url).pathname;

export interface AgentProcess {
  readonly child: ChildProcess;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** Resolves once the log says the agent started (every part up), or rejects when it exits first. */
  started(timeoutMs: number): Promise<void>;
}

export function startAgent(configFile: string, env: NodeJS.ProcessEnv = {}): AgentProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'agent/main.ts', 'run', '--config', configFile], {
    cwd: repoRoot,
    env: { ...process.env, UV_THREADPOOL_SIZE: '8', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exit,
    output: () => output,
    async started(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let exited = false;
      void exit.then(() => (exited = true));
      while (!output.includes('"msg":"agent started"')) {
        if (exited) throw new Error(`the agent exited before it started:\n${output.slice(-4000)}`);
        if (Date.now() > deadline) throw new Error(`the agent did not start within ${timeoutMs} ms:\n${output.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** `tilsyn audit verify --json` on a config: the chain's verdict. */
export function auditVerify(configFile: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'agent/main.ts', 'audit', 'verify', '--config', configFile, '--json'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export async function until(ok: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
