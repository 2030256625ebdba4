// Starts the real RTSP server of rtspServer.py (gst-rtsp-server) on a loopback port, in its own process group, and
// stops it by its PID: the camera tests and the camera bench pull frames from it like from an IP camera.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface RtspServerOptions {
  readonly port: number;
  readonly codec: 'h264' | 'mjpeg';
  /** Serve this prepared file (MP4 with H.264, or Matroska with JPEG frames) instead of a live test pattern. */
  readonly file?: string;
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  readonly bitrateKbps?: number;
  /** videotestsrc pattern number at start: 0 colour bars, 2 black, 3 white. */
  readonly pattern?: number;
}

export interface RtspServer {
  readonly url: string;
  readonly pid: number;
  /** Switches every client's live test pattern at once (the scene in front of the camera changes). */
  setPattern(pattern: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./rtspServer.py', import.meta.url));
/** Debian's python3 carries python3-gi; a python3 earlier on the PATH (pyenv, venv) usually does not. */
const PYTHON = '/usr/bin/python3';

export async function startRtspServer(o: RtspServerOptions, readyTimeoutMs = 15_000): Promise<RtspServer> {
  const args = [SCRIPT, '--port', String(o.port), '--codec', o.codec];
  if (o.file !== undefined) args.push('--file', o.file);
  if (o.width !== undefined) args.push('--width', String(o.width));
  if (o.height !== undefined) args.push('--height', String(o.height));
  if (o.fps !== undefined) args.push('--fps', String(o.fps));
  if (o.bitrateKbps !== undefined) args.push('--bitrate-kbps', String(o.bitrateKbps));
  if (o.pattern !== undefined) args.push('--pattern', String(o.pattern));
  const child = spawn(PYTHON, args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error('could not start the RTSP server');
  const pid = child.pid;
  let log = '';
  const lineWaiters: Array<{ text: string; resolve: () => void }> = [];
  const onData = (d: Buffer): void => {
    log += d.toString();
    for (const w of [...lineWaiters]) {
      if (log.includes(w.text)) {
        lineWaiters.splice(lineWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitFor = (text: string, timeoutMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      if (log.includes(text)) return resolve();
      const timer = setTimeout(() => reject(new Error(`RTSP server: no "${text}" within ${timeoutMs} ms:\n${log}`)), timeoutMs);
      lineWaiters.push({ text, resolve: () => (clearTimeout(timer), resolve()) });
      void exited.then(() => (clearTimeout(timer), reject(new Error(`RTSP server exited:\n${log}`))));
    });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 3000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitFor(`ready ${o.port}`, readyTimeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  let switches = 0;
  return {
    url: `rtsp://127.0.0.1:${o.port}/cam`,
    pid,
    output: () => log,
    stop,
    async setPattern(pattern: number) {
      switches += 1;
      const before = log.split(`pattern ${pattern}\n`).length - 1;
      child.stdin.write(`pattern ${pattern}\n`);
      // Acknowledged once the server printed one more "pattern N" line than before.
      const deadline = Date.now() + 5000;
      while (log.split(`pattern ${pattern}\n`).length - 1 <= before) {
        if (Date.now() > deadline) throw new Error(`RTSP server did not switch to pattern ${pattern} (switch ${switches})`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}
