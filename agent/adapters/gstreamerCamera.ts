// Camera adapter over a GStreamer pipeline (gstreamer-superficial): keeps only the newest RGB frame in RAM.
import { mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { AppSink, BusMessage, Pipeline } from 'gstreamer-superficial';
import type { Logger } from 'pino';
import {
  buildCameraPipeline,
  CAMERA_SINK_NAME,
  imageFileName,
  type CameraPipelineOptions,
} from '../core/camera/cameraPipeline.ts';
import type { Camera, CameraCondition } from '../ports/camera.ts';
import type { Frame } from '../ports/frame.ts';
import { credentialsHiddenIn } from '../core/transport/urls.ts';

export interface GstreamerCameraOptions extends Omit<CameraPipelineOptions, 'fileKind'> {
  /** No frame for this long (also right after start) counts as a failed camera. Default 5000 or 3 frame intervals. */
  readonly watchdogMs?: number;
  /** grab() hands out a stored frame only if it is at most this old; otherwise it waits for the next.
   *  Default 1000, or one frame interval below 1 fps. */
  readonly maxFrameAgeMs?: number;
  /** Injected clock for frame timestamps and the watchdog. Default Date.now. */
  readonly clock?: { nowMs(): number };
}

// Loaded with require: the package is a CommonJS native addon, which ESM loaders (vitest's included) cannot import.
const gstreamer = createRequire(import.meta.url)('gstreamer-superficial') as typeof import('gstreamer-superficial');

const IMAGE_EXTENSIONS = /\.(jpe?g)$/i;
const SEEK_FLAG_FLUSH = 1;
/** How long a stopping pipeline may take to post a bus message before it is set to NULL without one. */
const STOP_GRACE_MS = 1_000;

interface Waiter {
  resolve(frame: Frame): void;
  reject(error: Error): void;
}

export class GstreamerCamera implements Camera {
  private pipeline: Pipeline | undefined;
  private sink: AppSink | undefined;
  /** Bumped by every start/stop so callbacks of an old pipeline are ignored. */
  private generation = 0;
  private latest: Frame | undefined;
  private lastFrameAtMs = 0;
  private startedAtMs = 0;
  private framesSinceStart = 0;
  private failure: Error | undefined;
  /** Between start() and stop(), whether or not the pipeline runs. */
  private active = false;
  private lastBusError: string | undefined;
  private linkDir: string | undefined;
  private loops = false;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly waiters = new Set<Waiter>();
  /** Pipelines being stopped, each with the function that sets it to NULL. */
  private readonly stopping = new Map<Pipeline, () => void>();
  private readonly onAbort = (): void => void this.stop();
  private signal: AbortSignal | undefined;

  constructor(
    private readonly options: GstreamerCameraOptions,
    private readonly logger: Logger,
  ) {}

  /** A slow camera (fps < 1) never has a frame younger than 1 s: accept one frame interval then. */
  private maxFrameAgeMs(): number {
    return this.options.maxFrameAgeMs ?? Math.max(1000, 1000 / this.options.fps);
  }

  private now(): number {
    return this.options.clock ? this.options.clock.nowMs() : Date.now();
  }

  /**
   * Starts the pipeline. A source that cannot run (missing folder, bad device) does not make start() throw:
   * the failure is logged and every grab() rejects with it, so the caller's supervisor decides what to do.
   * Only invalid options (no path for a file source, bad sizes) throw.
   */
  async start(signal: AbortSignal): Promise<void> {
    if (this.pipeline || this.linkDir) await this.stop();
    const generation = ++this.generation;
    this.active = true;
    this.failure = undefined;
    this.lastBusError = undefined;
    this.latest = undefined;
    this.framesSinceStart = 0;
    this.startedAtMs = this.now();
    this.signal = signal;
    signal.addEventListener('abort', this.onAbort, { once: true });

    // Invalid options are a configuration error: throw them now rather than as a camera failure.
    buildCameraPipeline(this.options.source === 'file' ? { ...this.options, fileKind: 'images' } : this.options);

    let description: string;
    try {
      const resolved = await this.describe();
      description = resolved.description;
      if (generation !== this.generation) {
        // stop() ran while the links were made: they belong to nobody now.
        if (resolved.linkDir) await rm(resolved.linkDir, { recursive: true, force: true });
        return;
      }
      this.linkDir = resolved.linkDir;
    } catch (error) {
      this.fail(generation, `camera source cannot be opened: ${errorText(error)}`);
      return;
    }

    let pipeline: Pipeline;
    try {
      pipeline = new gstreamer.Pipeline(description);
    } catch (error) {
      this.fail(generation, `camera pipeline cannot be built: ${errorText(error)} (${credentialsHiddenIn(description)})`);
      return;
    }
    const sink = pipeline.findChild(CAMERA_SINK_NAME);
    if (!sink || typeof sink.pull !== 'function') {
      pipeline.stop();
      this.fail(generation, `camera pipeline has no appsink named ${CAMERA_SINK_NAME}`);
      return;
    }
    this.pipeline = pipeline;
    this.sink = sink as AppSink;
    pipeline.pollBus((message) => {
      // A pipeline being stopped is set to NULL here, inside the bus callback: see stopPipeline().
      const stopNow = this.stopping.get(pipeline);
      if (stopNow) stopNow();
      else this.onBus(generation, message);
    });
    this.logger.info({ pipeline: credentialsHiddenIn(description) }, 'camera pipeline starting');
    pipeline.play();
    this.pull(generation);
    this.startWatchdog(generation);
  }

  async grab(timeoutMs: number): Promise<Frame> {
    if (this.failure) throw this.failure;
    if (!this.pipeline) throw new Error('camera is not started');
    const latest = this.latest;
    if (latest && this.now() - latest.capturedAtMs <= this.maxFrameAgeMs()) return latest;
    return new Promise<Frame>((resolvePromise, rejectPromise) => {
      const waiter: Waiter = {
        resolve: (frame) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolvePromise(frame);
        },
        reject: (error) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          rejectPromise(error);
        },
      };
      const timer = setTimeout(
        () => waiter.reject(new Error(`no camera frame within ${timeoutMs} ms`)),
        Math.max(0, timeoutMs),
      );
      this.waiters.add(waiter);
    });
  }

  condition(): CameraCondition {
    const lastFrameAtMs = this.active && this.framesSinceStart > 0 ? this.lastFrameAtMs : null;
    if (!this.active) return { state: 'off', error: null, lastFrameAtMs: null };
    if (this.failure) return { state: 'failed', error: this.failure.message, lastFrameAtMs };
    return { state: this.framesSinceStart > 0 ? 'running' : 'starting', error: null, lastFrameAtMs };
  }

  async stop(): Promise<void> {
    this.generation++;
    this.active = false;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.signal = undefined;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
    const pipeline = this.pipeline;
    this.pipeline = undefined;
    this.sink = undefined;
    this.latest = undefined;
    if (pipeline) await this.stopPipeline(pipeline);
    this.rejectWaiters(new Error('camera stopped'));
    const linkDir = this.linkDir;
    this.linkDir = undefined;
    if (linkDir) {
      try {
        await rm(linkDir, { recursive: true, force: true });
      } catch (error) {
        this.logger.warn({ err: error, linkDir }, 'could not remove the camera image links');
      }
    }
  }

  /** Resolves the source on disk (stat, numbered links) and returns the pipeline description. */
  private async describe(): Promise<{ description: string; linkDir?: string }> {
    const o = this.options;
    this.loops = false;
    if (o.source !== 'file') return { description: buildCameraPipeline(o) };
    const path = resolve(o.path ?? '');
    const info = await stat(path);
    if (!info.isDirectory()) {
      this.loops = true;
      return { description: buildCameraPipeline({ ...o, path, fileKind: 'video' }) };
    }
    const names = (await readdir(path)).filter((n) => IMAGE_EXTENSIONS.test(n)).sort();
    if (names.length === 0) throw new Error(`no .jpg images in ${path}`);
    // multifilesrc needs numbered names: link them (no pixel copies), in name order.
    const linkDir = await mkdtemp(join(tmpdir(), 'tilsyn-camera-'));
    try {
      await Promise.all(names.map((name, i) => symlink(join(path, name), join(linkDir, imageFileName(i)))));
    } catch (error) {
      await rm(linkDir, { recursive: true, force: true });
      throw error;
    }
    return { description: buildCameraPipeline({ ...o, path: linkDir, fileKind: 'images' }), linkDir };
  }

  /** One pull in flight at a time; each result stores the newest buffer and asks for the next. */
  private pull(generation: number): void {
    const sink = this.sink;
    if (!sink) return;
    sink.pull((buf, caps) => {
      if (generation !== this.generation) return;
      if (buf) {
        this.onBuffer(buf, caps);
        this.pull(generation);
        return;
      }
      if (this.loops && this.framesSinceStart > 0 && this.pipeline) {
        // End of a video file: play it again from the start, like a camera that never ends.
        this.logger.debug('camera video ended, looping');
        const ok = this.pipeline.seek(0, SEEK_FLAG_FLUSH);
        if (ok) {
          this.pull(generation);
          return;
        }
      }
      // Give the bus a moment to deliver the reason (it arrives on another pool thread).
      setTimeout(() => {
        if (generation !== this.generation) return;
        // A source that fails already on NULL→READY (a missing V4L2 device) posts no bus message at all.
        const why = this.lastBusError ?? (this.framesSinceStart > 0 ? 'the stream ended' : 'no frame was ever produced');
        const what = this.framesSinceStart > 0 ? 'stopped' : 'failed to start';
        this.fail(generation, `camera pipeline (${this.label}) ${what}: ${why}`);
      }, 100).unref();
    });
  }

  /** Where the frames come from, for logs, error messages and the doctor (the RTSP URL without credentials). */
  get label(): string {
    const o = this.options;
    if (o.source === 'v4l2') return `v4l2 device ${o.device ?? '?'}`;
    if (o.source === 'file') return `file ${o.path ?? '?'}`;
    if (o.source === 'rtsp') return `rtsp ${credentialsHiddenIn(o.url ?? '?')}`;
    if (o.source === 'test') return 'test source';
    return `${String(o.source)} source`;
  }

  private onBuffer(buf: Buffer, caps: Readonly<Record<string, unknown>>): void {
    const width = typeof caps.width === 'number' ? caps.width : this.options.width;
    const height = typeof caps.height === 'number' ? caps.height : this.options.height;
    const data = packRgb(buf, width, height);
    if (!data) {
      this.logger.warn({ bytes: buf.length, width, height }, 'camera buffer has an unexpected size, dropped');
      return;
    }
    const now = this.now();
    const frame: Frame = { data, width, height, capturedAtMs: now };
    this.latest = frame;
    this.lastFrameAtMs = now;
    this.framesSinceStart++;
    for (const waiter of [...this.waiters]) waiter.resolve(frame);
  }

  /**
   * Sets the pipeline to NULL, which also wakes a pending pull (it returns null) so its pool thread is freed.
   * The binding polls the bus on a libuv pool thread and polls again after each message unless the pipeline is NULL
   * by then; a poll left waiting on a stopped pipeline never returns, and Node waits for that thread at exit — the
   * agent would hang on SIGTERM. So the pipeline is paused first (which posts state messages on the bus) and set to
   * NULL from inside the bus callback, after which the binding stops polling. A pipeline that posts nothing within
   * STOP_GRACE_MS is set to NULL directly.
   */
  private stopPipeline(pipeline: Pipeline): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        if (!this.stopping.has(pipeline)) return;
        this.stopping.delete(pipeline);
        clearTimeout(timer);
        try {
          pipeline.stop();
        } catch (error) {
          this.logger.warn({ err: error }, 'camera pipeline did not stop cleanly');
        }
        resolve();
      };
      const timer = setTimeout(finish, STOP_GRACE_MS);
      this.stopping.set(pipeline, finish);
      try {
        pipeline.pause();
      } catch {
        finish();
      }
    });
  }

  private onBus(generation: number, message: BusMessage): void {
    if (generation !== this.generation) return;
    if (message.type === 'error') {
      this.lastBusError = credentialsHiddenIn(`${message.message ?? 'error'} (${message.name ?? message._src_element_name})`);
      this.logger.error({ element: message.name, error: credentialsHiddenIn(String(message.message)) }, 'camera pipeline error');
    } else if (message.type === 'warning') {
      this.logger.warn({ element: message._src_element_name, message }, 'camera pipeline warning');
    }
  }

  private startWatchdog(generation: number): void {
    const watchdogMs = this.options.watchdogMs ?? Math.max(5000, 3000 / this.options.fps);
    this.watchdog = setInterval(
      () => {
        if (generation !== this.generation || this.failure) return;
        const since = this.framesSinceStart > 0 ? this.lastFrameAtMs : this.startedAtMs;
        const silentMs = this.now() - since;
        if (silentMs > watchdogMs) {
          const why = this.lastBusError ? `: ${this.lastBusError}` : '';
          this.fail(generation, `camera (${this.label}) produced no frame for ${silentMs} ms${why}`);
        }
      },
      Math.max(50, Math.min(1000, Math.floor(watchdogMs / 4))),
    );
    this.watchdog.unref();
  }

  /** Marks the camera failed: frees the pipeline's threads and rejects every waiting grab. */
  private fail(generation: number, message: string): void {
    if (generation !== this.generation || this.failure) return;
    // A GStreamer message may quote the source's location: never its credentials.
    this.failure = new Error(credentialsHiddenIn(message));
    this.logger.error({ source: this.options.source }, this.failure.message);
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
    this.latest = undefined;
    const pipeline = this.pipeline;
    this.pipeline = undefined;
    this.sink = undefined;
    // The pending pull now returns null; its callback sees the failure already set and does nothing more.
    if (pipeline) void this.stopPipeline(pipeline);
    this.rejectWaiters(this.failure);
  }

  private rejectWaiters(error: Error): void {
    for (const waiter of [...this.waiters]) waiter.reject(error);
  }
}

/**
 * GStreamer pads RGB rows to a multiple of 4 bytes; Frame wants packed rows.
 * Returns the buffer itself when it is already packed, a packed copy when rows are padded, undefined otherwise.
 */
export function packRgb(buf: Buffer, width: number, height: number): Buffer | undefined {
  const row = width * 3;
  if (buf.length === row * height) return buf;
  const stride = Math.ceil(row / 4) * 4;
  if (buf.length !== stride * height) return undefined;
  const out = Buffer.allocUnsafe(row * height);
  for (let y = 0; y < height; y++) buf.copy(out, y * row, y * stride, y * stride + row);
  return out;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
