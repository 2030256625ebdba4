// Tells systemd how the agent is (READY, WATCHDOG, STOPPING, STATUS) over $NOTIFY_SOCKET, through `systemd-notify`.
//
// Why a child process: the notify protocol is one AF_UNIX datagram per message, and Node has no unix datagram sockets;
// the npm `sd-notify` addon needs libsystemd headers to build. `systemd-notify` ships with systemd itself (so it is on
// every machine where the protocol matters), speaks the protocol correctly (abstract sockets, barriers), and by default
// waits until systemd has processed the message, so the message is attributed to this service before the helper exits.
// The unit therefore sets NotifyAccess=all (the sender is a child of the main process).
import { execFile } from 'node:child_process';
import type { Logger } from 'pino';

/** The environment systemd hands a Type=notify service: NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID. */
export type NotifierEnv = Readonly<Record<string, string | undefined>>;

export interface NotifierOptions {
  /** The helper to run; defaults to `systemd-notify` on PATH. */
  readonly command?: string;
  /** How long one message may take before it is given up (logged, never fatal). */
  readonly timeoutMs?: number;
  /** This process's PID, compared with WATCHDOG_PID. */
  readonly pid?: number;
}

export class SystemdNotifier {
  private chain: Promise<void> = Promise.resolve();
  private readonly command: string;
  private readonly timeoutMs: number;
  private readonly pid: number;

  constructor(
    private readonly env: NotifierEnv,
    private readonly logger: Logger,
    options: NotifierOptions = {},
  ) {
    this.command = options.command ?? 'systemd-notify';
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.pid = options.pid ?? process.pid;
  }

  /** True when started by systemd with Type=notify (outside systemd every message is a no-op). */
  get enabled(): boolean {
    return (this.env['NOTIFY_SOCKET'] ?? '') !== '';
  }

  /** Interval between watchdog pings, half of WatchdogSec as sd_watchdog_enabled(3) advises; null when not armed for us. */
  get watchdogIntervalMs(): number | null {
    if (!this.enabled) return null;
    const usec = Number(this.env['WATCHDOG_USEC'] ?? '');
    if (!Number.isFinite(usec) || usec <= 0) return null;
    const pid = this.env['WATCHDOG_PID'];
    if (pid !== undefined && pid !== '' && Number(pid) !== this.pid) return null;
    return Math.max(1, Math.floor(usec / 1000 / 2));
  }

  ready(status?: string): Promise<void> {
    return this.send(status === undefined ? ['READY=1'] : ['READY=1', `STATUS=${status}`]);
  }

  watchdog(): Promise<void> {
    return this.send(['WATCHDOG=1']);
  }

  stopping(status?: string): Promise<void> {
    return this.send(status === undefined ? ['STOPPING=1'] : ['STOPPING=1', `STATUS=${status}`]);
  }

  status(text: string): Promise<void> {
    return this.send([`STATUS=${text}`]);
  }

  /** Sends one message; messages go out one at a time, in order. Never rejects: a failed notify is logged. */
  send(assignments: readonly string[]): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    for (const a of assignments) {
      if (!/^[A-Z_]+=[^\n]*$/.test(a)) throw new Error(`not a notify assignment: ${JSON.stringify(a)}`);
    }
    const next = this.chain.then(() => this.run(assignments));
    this.chain = next;
    return next;
  }

  private run(assignments: readonly string[]): Promise<void> {
    return new Promise((resolve) => {
      execFile(
        this.command,
        [...assignments],
        { env: { ...process.env, NOTIFY_SOCKET: this.env['NOTIFY_SOCKET'] }, timeout: this.timeoutMs },
        (err, _stdout, stderr) => {
          if (err !== null) {
            this.logger.warn({ err: err.message, stderr: stderr.trim(), message: assignments.join(' ') }, 'systemd notify failed');
          }
          resolve();
        },
      );
    });
  }
}
