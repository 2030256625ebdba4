// Camera adapter over a GStreamer pipeline (gstreamer-superficial): frames are counted as they arrive but only the
// ones a grab waits for pass the pipeline's valve, to be decoded (JPEG) and converted to RGB; nothing else is copied.
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AppSink, BusMessage, Pipeline } from 'gstreamer-superficial';
import type { Logger } from 'pino';
import {
  buildCameraPipeline,
  CAMERA_GATE_NAME,
  CAMERA_RATE_NAME,
  CAMERA_SINK_NAME,
  type CameraPipelineOptions,
} from '../core/camera/cameraPipeline.ts';
import type { Camera, CameraCondition } from '../ports/camera.ts';
import type { Frame } from '../ports/frame.ts';
import { credentialsHiddenIn } from '../core/transport/urls.ts';
import { resolveCameraSource } from './cameraFileSource.ts';
import { packRgb } from './rgbFrame.ts';

export interface GstreamerCameraOptions extends Omit<CameraPipelineOptions, 'fileKind'> {
  /** No frame for this long (also right after start) counts as a failed camera. Default 5000 or 3 frame intervals. */
  readonly watchdogMs?: number;
  /** Injected clock for frame timestamps and the watchdog. Default Date.now. */
  readonly clock?: { nowMs(): number };
}

// Loaded with require: the package is a CommonJS native addon, which ESM loaders (vitest's included) cannot import.
const gstreamer = createRequire(import.meta.url)('gstreamer-superficial') as typeof import('gstreamer-superficial');

const SEEK_FLAG_FLUSH = 1;
/** How long a stopping pipeline may take to post a bus message before it is set to NULL without one. */
const STOP_GRACE_MS = 1_000;

/** How often the frame counter is read while the camera runs (a property read; the watchdog's view of the source). */
const COUNT_EVERY_MS = 250;

/** The element properties the adapter reads and sets; the binding exposes every GObject property this way. */
interface GateElement {
  drop: boolean;
}
interface RateElement {
  /** Frames that reached the rate cap, as a decimal string (the binding hands 64-bit counters over as text). */
  readonly in: unknown;
}

interface Waiter {
  resolve(frame: Frame): void;
  reject(error: Error): void;
}

export class GstreamerCamera implements Camera {
  private pipeline: Pipeline | undefined;
  private sink: AppSink | undefined;
  private gate: GateElement | undefined;
  private rate: RateElement | undefined;
  /** The rate element's input count at the last look; frames counted since start. */
  private framesCounted = 0;
  /** Frames converted and handed over since start. */
  private framesPulled = 0;
  /** Bumped by every start/stop so callbacks of an old pipeline are ignored. */
  private generation = 0;
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
    this.framesSinceStart = 0;
    this.loops = false;
    this.framesCounted = 0;
    this.framesPulled = 0;
    this.startedAtMs = this.now();
    this.signal = signal;
    signal.addEventListener('abort', this.onAbort, { once: true });

    // Invalid options are a configuration error: throw them now rather than as a camera failure.
    buildCameraPipeline(this.options.source === 'file' ? { ...this.options, fileKind: 'images' } : this.options);

    let description: string;
    try {
      const resolved = await resolveCameraSource(this.options);
      description = resolved.description;
      this.loops = resolved.loops;
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
    const gate = pipeline.findChild(CAMERA_GATE_NAME) as unknown as GateElement | null;
    const rate = pipeline.findChild(CAMERA_RATE_NAME) as unknown as RateElement | null;
    if (!gate || !rate) {
      pipeline.stop();
      this.fail(generation, `camera pipeline has no valve ${CAMERA_GATE_NAME} or videorate ${CAMERA_RATE_NAME}`);
      return;
    }
    this.pipeline = pipeline;
    this.sink = sink as AppSink;
    this.gate = gate;
    this.rate = rate;
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

  /**
   * The next frame the camera delivers, as packed RGB at the configured size: the valve opens for it, so only this
   * frame is decoded (JPEG) and converted. Its capture time is when it arrived, never a stored older one.
   */
  async grab(timeoutMs: number): Promise<Frame> {
    if (this.failure) throw this.failure;
    if (!this.pipeline) throw new Error('camera is not started');
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
          this.closeGateIfUnwanted();
          rejectPromise(error);
        },
      };
      const timer = setTimeout(
        () => waiter.reject(new Error(`no camera frame within ${timeoutMs} ms`)),
        Math.max(0, timeoutMs),
      );
      this.waiters.add(waiter);
      this.setGate(true);
    });
  }

  /** Frames the source delivered and frames converted since start: the bench's and the tests' view of the savings. */
  counts(): { delivered: number; converted: number } {
    return { delivered: this.framesCounted, converted: this.framesPulled };
  }

  private setGate(open: boolean): void {
    const gate = this.gate;
    if (!gate) return;
    try {
      gate.drop = !open;
    } catch (error) {
      this.logger.warn({ err: error }, 'camera valve could not be set');
    }
  }

  private closeGateIfUnwanted(): void {
    if (this.waiters.size === 0) this.setGate(false);
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
    const pipeline = this.detach();
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
      this.countFrames();
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
    this.framesPulled++;
    this.countFrames();
    for (const waiter of [...this.waiters]) waiter.resolve(frame);
    this.closeGateIfUnwanted();
  }

  /** Reads the rate element's input counter: a frame that arrived since the last look keeps the watchdog quiet. */
  private countFrames(): void {
    const rate = this.rate;
    if (!rate) return;
    let counted: number;
    try {
      counted = Number(rate.in);
    } catch {
      return;
    }
    if (!Number.isFinite(counted) || counted <= this.framesCounted) return;
    this.framesCounted = counted;
    this.framesSinceStart = counted;
    this.lastFrameAtMs = this.now();
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
        this.countFrames();
        const since = this.framesSinceStart > 0 ? this.lastFrameAtMs : this.startedAtMs;
        const silentMs = this.now() - since;
        if (silentMs > watchdogMs) {
          const why = this.lastBusError ? `: ${this.lastBusError}` : '';
          this.fail(generation, `camera (${this.label}) produced no frame for ${silentMs} ms${why}`);
        }
      },
      Math.max(50, Math.min(COUNT_EVERY_MS, Math.floor(watchdogMs / 4))),
    );
    this.watchdog.unref();
  }

  /** Marks the camera failed: frees the pipeline's threads and rejects every waiting grab. */
  private fail(generation: number, message: string): void {
    if (generation !== this.generation || this.failure) return;
    // A GStreamer message may quote the source's location: never its credentials.
    this.failure = new Error(credentialsHiddenIn(message));
    this.logger.error({ source: this.options.source }, this.failure.message);
    const pipeline = this.detach();
    // The pending pull now returns null; its callback sees the failure already set and does nothing more.
    if (pipeline) void this.stopPipeline(pipeline);
    this.rejectWaiters(this.failure);
  }

  /** Stops the watchdog and lets go of the pipeline and its elements; returns the pipeline, still to be stopped. */
  private detach(): Pipeline | undefined {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
    const pipeline = this.pipeline;
    this.pipeline = undefined;
    this.sink = undefined;
    this.gate = undefined;
    this.rate = undefined;
    return pipeline;
  }

  private rejectWaiters(error: Error): void {
    for (const waiter of [...this.waiters]) waiter.reject(error);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
