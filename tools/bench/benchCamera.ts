// `npm run bench:camera`: what an armed camera costs the vehicle. A real RTSP server sends a prepared 1080p30 H.264
// and a 1080p30 MJPEG stream; for each, in turns, the CPU of (1) decoding alone in a bare gst-launch-1.0 … ! fakesink,
// (2) the agent's camera armed with no trigger, (3) the camera pipeline before frames stayed in the source's format.
// Then the capture chain driven along the demo route at 50 km/h with 5 m spacing in real time (cameraDrive.ts):
// triggers lost to a busy redactor, the frames held in RAM, and CPU seconds per km through task areas.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { freeLoopbackPort } from '../demo/loopback.ts';
import { startRtspServer } from '../rtsp/rtspServer.ts';
import { runTool } from '../runTool.ts';
import { driveThroughAreas } from './cameraDrive.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const CLK_TCK = 100;
type Codec = 'h264' | 'mjpeg';
type Mode = 'decode only (gst-launch)' | 'agent, armed' | 'before (b9bdb3f)';
const MODES: readonly Mode[] = ['decode only (gst-launch)', 'agent, armed', 'before (b9bdb3f)'];

/** A 1080p30 clip of a moving test pattern, made once and kept in the temp folder (H.264 at 4 Mbit/s, or JPEG q85). */
async function clip(codec: Codec, seconds: number): Promise<string> {
  const dir = path.join(tmpdir(), 'tilsyn-bench-camera');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${codec}-1080p30-${seconds}s.${codec === 'h264' ? 'mp4' : 'mkv'}`);
  if (existsSync(file)) return file;
  process.stdout.write(`preparing ${path.basename(file)} …\n`);
  const encode =
    codec === 'h264'
      ? ['x264enc', 'speed-preset=veryfast', 'bitrate=4000', 'key-int-max=60', '!', 'h264parse', '!', 'mp4mux']
      : ['jpegenc', 'quality=85', '!', 'matroskamux'];
  const partial = `${file}.part`;
  await promisify(execFile)('gst-launch-1.0', [
    '-q', 'videotestsrc', `num-buffers=${seconds * 30}`, 'pattern=smpte', 'horizontal-speed=6', '!',
    'video/x-raw,format=I420,width=1920,height=1080,framerate=30/1', '!', ...encode, '!', 'filesink', `location=${partial}`,
  ]);
  renameSync(partial, file);
  return file;
}

/** CPU ticks (user + system, all threads) of a process so far. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The newest frame count a child reported: "frames N" (agent, before) or fpsdisplaysink's "rendered: N". */
function frameCounter(child: ChildProcess): () => number {
  let latest = 0;
  let pending = '';
  child.stdout?.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^frames (\d+)/.exec(line) ?? /rendered: (\d+)/.exec(line);
      if (m) latest = Number(m[1]);
    }
  });
  return () => latest;
}

function waitForLine(child: ChildProcess, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no "${text}" within ${timeoutMs} ms: ${out}`)), timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`exited before "${text}": ${out}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

interface Measured {
  /** Per cent of one core used over the measured seconds. */
  readonly cpuPct: number;
  /** Frames decoded per second meanwhile (a starved process on a loaded machine decodes fewer). */
  readonly fps: number;
}

/** Per cent of one core used at 30 decoded frames per second: the CPU per frame, free of how many got through. */
function at30fps(m: Measured): number {
  return m.fps > 0 ? (m.cpuPct * 30) / m.fps : NaN;
}

/** CPU and frames of the process over measureS, after it delivered frames and warmS passed. */
async function measure(mode: Mode, url: string, warmS: number, measureS: number): Promise<Measured> {
  const child =
    mode === 'decode only (gst-launch)'
      ? spawn(
          'gst-launch-1.0',
          ['-v', 'rtspsrc', `location=${url}`, 'latency=200', '!', 'decodebin', '!', 'fpsdisplaysink', 'video-sink=fakesink', 'text-overlay=false', 'sync=false', 'fps-update-interval=200'],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        )
      : spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'tools/bench/cameraArmed.ts'), mode === 'agent, armed' ? 'agent' : 'before', url], {
          stdio: ['ignore', 'pipe', 'pipe'],
          cwd: repoRoot,
          env: { ...process.env, UV_THREADPOOL_SIZE: '8' },
        });
  const frames = frameCounter(child);
  try {
    await waitForLine(child, mode === 'decode only (gst-launch)' ? 'rendered:' : 'ready', 60_000);
    await new Promise((r) => setTimeout(r, warmS * 1000));
    const t0 = performance.now();
    const c0 = cpuTicks(child.pid!);
    const f0 = frames();
    await new Promise((r) => setTimeout(r, measureS * 1000));
    const c1 = cpuTicks(child.pid!);
    const f1 = frames();
    const seconds = (performance.now() - t0) / 1000;
    return { cpuPct: ((c1 - c0) / CLK_TCK / seconds) * 100, fps: (f1 - f0) / seconds };
  } finally {
    await stopChild(child);
  }
}

async function armedCpu(rounds: number, warmS: number, measureS: number): Promise<void> {
  for (const codec of ['h264', 'mjpeg'] as const) {
    const file = await clip(codec, Math.ceil(warmS + measureS + 15));
    const server = await startRtspServer({ port: await freeLoopbackPort(), codec, file }, 30_000);
    const figures = new Map<Mode, Measured[]>(MODES.map((m) => [m, []]));
    try {
      for (let round = 0; round < rounds; round++) {
        // Alternate the order, so a change in the machine's load falls on every mode alike.
        const order = round % 2 === 0 ? MODES : [...MODES].reverse();
        for (const mode of order) {
          const m = await measure(mode, server.url, warmS, measureS);
          figures.get(mode)!.push(m);
          process.stdout.write(
            `  ${codec} round ${round + 1}: ${mode.padEnd(26)} ${m.cpuPct.toFixed(1)} % of a core at ${m.fps.toFixed(1)} fps decoded` +
              ` → ${at30fps(m).toFixed(1)} % at 30 fps\n`,
          );
        }
      }
    } finally {
      await server.stop();
    }
    // Per mode: all its CPU over all its frames, scaled to 30 fps.
    const mean = (m: Mode): { pct30: number; cpuPct: number; fps: number } => {
      const list = figures.get(m)!;
      const cpuPct = list.reduce((a, b) => a + b.cpuPct, 0) / list.length;
      const fps = list.reduce((a, b) => a + b.fps, 0) / list.length;
      return { pct30: at30fps({ cpuPct, fps }), cpuPct, fps };
    };
    const decode = mean('decode only (gst-launch)').pct30;
    process.stdout.write(`${codec} 1080p30 over RTSP, armed, no trigger (${rounds} turns each; % of a core per 30 decoded frames a second):\n`);
    for (const mode of MODES) {
      const f = mean(mode);
      const extra = mode === 'decode only (gst-launch)' ? '' : `  = decoding ${f.pct30 - decode >= 0 ? '+' : '−'} ${Math.abs(f.pct30 - decode).toFixed(1)} %`;
      process.stdout.write(`  ${mode.padEnd(26)} ${f.pct30.toFixed(1)} %${extra}   (measured ${f.cpuPct.toFixed(1)} % at ${f.fps.toFixed(1)} fps)\n`);
    }
  }
}

/** The demo route through its task areas at 50 km/h, 5 m spacing, 1080p frames, in real time. */
async function drive(maxPendingFrames: number): Promise<void> {
  process.stdout.write(`drive along the demo route at 50 km/h, a frame every 5 m per task, 1080p, real time, capture.maxPendingFrames ${maxPendingFrames} …\n`);
  const f = await driveThroughAreas({ speedKmh: 50, everyM: 5, maxPendingFrames, width: 1920, height: 1080 });
  const rows: [string, string | number][] = [
    ['GPS fixes', f.fixes],
    ['km driven through task areas', f.kmInAreas.toFixed(2)],
    ['triggers', f.triggers],
    ['  lost to a busy redactor (queue full)', f.lostQueueFull],
    ['  lost to the camera (no frame in time)', f.lostCamera],
    ['frames captured', f.framesCaptured],
    ['evidence queued', f.evidenceQueued],
    ['frames waiting for the redactor, peak', f.pendingFramesPeak],
    ['raw frames held in RAM, peak', `${(f.pendingFrameBytesPeak / 1e6).toFixed(1)} MB`],
    ['CPU s of the chain (per km through task areas)', `${f.cpuS.toFixed(1)} (${f.kmInAreas > 0 ? (f.cpuS / f.kmInAreas).toFixed(1) : '–'})`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
}

const program = new Command()
  .name('bench:camera')
  .description("the armed camera's CPU beside decoding alone (H.264 and MJPEG 1080p30 over RTSP), and the drive through the demo's task areas at 50 km/h with 5 m spacing")
  .option('--rounds <n>', 'turns of the three measurements per stream', '2')
  .option('--warm <s>', 'seconds after the first frame before measuring', '4')
  .option('--seconds <s>', 'seconds measured per turn', '12')
  .option('--skip-drive', 'leave out the drive through the task areas')
  .option('--max-pending <n>', 'capture.maxPendingFrames for the drive', '8')
  .option('--skip-armed', 'leave out the armed-camera CPU')
  .action(async (opts: { rounds: string; warm: string; seconds: string; skipDrive?: boolean; skipArmed?: boolean; maxPending: string }) => {
    process.stdout.write(`bench:camera on ${process.arch}, ${(await import('node:os')).cpus().length} cores; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    if (!opts.skipArmed) await armedCpu(Number(opts.rounds), Number(opts.warm), Number(opts.seconds));
    if (!opts.skipDrive) await drive(Number(opts.maxPending));
  });

await runTool(program);
