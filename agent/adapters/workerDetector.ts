// Any detector on a worker thread of its own: the same boxes as on the agent's thread, found while that thread does
// other work. The face model runs here (the largest inputs of a frame).
import { Worker } from 'node:worker_threads';
import type { Detection, DetectorJob, DetectorSearch, FaceCalibration, FaceDetector, ModelInfo } from '../ports/detector.ts';
import type { Frame } from '../ports/frame.ts';
import { createDetector } from './createDetector.ts';
import type { DetectorReply, DetectorRequest, DetectorWorkerReady, SharedFrame } from './detectorWorker.ts';
import type { DetectorOptions } from './modelFiles.ts';

/**
 * The worker's young generation, MB. Its JS objects are few and small, but each holds outside memory (the model's
 * outputs, ~2 MB per band part) that is freed only when the object is collected: with V8's default young generation
 * that took many frames here. Small, collections come often and cheap, and ~25 MB less peak memory was measured.
 */
const WORKER_YOUNG_GENERATION_MB = 2;

/** A worker that died is started again at most this often; calls in between are refused (their frames dropped). */
const RESTART_INTERVAL_MS = 5_000;

/**
 * onnxruntime-node runs a model on the calling JS thread and blocks it meanwhile, so a detector — the face model,
 * the largest inputs of a frame — gets a thread to itself, and builds its input tensors there too: the agent's thread
 * only copies each frame once into shared memory. A frame searched several times (whole, band parts) is copied once.
 *
 * Fails closed: a call the worker cannot answer (an error, the worker gone) rejects, and its frame is dropped. A
 * worker that dies while started is started again for a later call, so the agent goes on redacting after it.
 */
export class WorkerDetector implements FaceDetector {
  readonly job: DetectorJob;
  readonly labels: readonly string[];
  private worker: Worker | null = null;
  private info: readonly ModelInfo[] = [];
  private faceCalibration: FaceCalibration | null = null;
  private readonly pending = new Map<number, { resolve: (f: Detection[]) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  /** Between start() and stop(): an exit of the worker then is a crash. */
  private running = false;
  /** Why the worker died, until it runs again. */
  private crash: Error | null = null;
  private restarting: Promise<Worker> | null = null;
  private lastRestartMs = Number.NEGATIVE_INFINITY;
  private restartCount = 0;
  /** The shared copy of each frame with calls in flight, and how many. */
  private readonly shared = new WeakMap<Frame, { copy: SharedFrame; calls: number }>();
  /**
   * Shared memory of a frame whose calls have all been answered, kept for the next frame of the same size: a new
   * 6 MB SharedArrayBuffer per frame is freed only once both threads have collected it, and the worker's thread,
   * which allocates little, collects late.
   */
  private idlePixels: SharedArrayBuffer | null = null;

  /** `model`: its manifest name; the worker builds it with createDetector. */
  constructor(
    private readonly model: string,
    private readonly options: DetectorOptions,
  ) {
    // The manifest's job and labels, checked here on the agent's thread (an unknown model throws at once).
    const probe = createDetector(model, options);
    this.job = probe.job;
    this.labels = probe.labels;
  }

  get models(): readonly ModelInfo[] {
    return this.running ? this.info : [];
  }

  get calibration(): FaceCalibration {
    if (!this.faceCalibration) throw new Error(`model "${this.model}" has no face score calibration (job ${this.job}, or not started)`);
    return this.faceCalibration;
  }

  /** How often a worker that died was started again. */
  get restarts(): number {
    return this.restartCount;
  }

  /** Starts the worker and loads the model there; rejects (worker ended) when the model is missing or corrupt. */
  async start(): Promise<void> {
    this.worker = await this.spawn();
    this.crash = null;
    this.running = true;
  }

  /** Terminates the worker thread (its session goes with it); calls in flight reject. */
  async close(): Promise<void> {
    this.running = false;
    const worker = this.worker;
    this.worker = null;
    this.rejectAll(new Error(`${this.model} worker closed`));
    await worker?.terminate();
  }

  async detect(frame: Frame, search: DetectorSearch = {}): Promise<Detection[]> {
    if (!this.running) throw new Error(`${this.model} worker: detect() called before start() or after close()`);
    if (frame.data.length !== frame.width * frame.height * 3) {
      throw new Error(`frame buffer holds ${frame.data.length} bytes, expected ${frame.width}x${frame.height}x3`);
    }
    const worker = this.worker ?? (await this.restart());
    const id = this.nextId++;
    const request: DetectorRequest = { id, frame: this.sharedCopy(frame), search };
    try {
      return await new Promise<Detection[]>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        worker.postMessage(request);
      });
    } finally {
      this.answered(frame);
    }
  }

  /** Starts a worker and waits until its model has loaded. */
  private async spawn(): Promise<Worker> {
    const worker = new Worker(new URL('./typescriptWorker.mjs', import.meta.url), {
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
      workerData: { entry: new URL('./detectorWorker.ts', import.meta.url).href, model: this.model, options: this.options },
    });
    const ready = await new Promise<DetectorWorkerReady>((resolve) => {
      const onError = (err: Error) => done({ ready: false, error: err.message });
      const onExit = (code: number) => done({ ready: false, error: `${this.model} worker exited (code ${code}) while loading` });
      const done = (m: DetectorWorkerReady) => {
        worker.off('error', onError).off('exit', onExit).off('message', done);
        resolve(m);
      };
      worker.on('error', onError).on('exit', onExit).on('message', done);
    });
    if (!ready.ready) {
      await worker.terminate();
      throw new Error(ready.error);
    }
    worker.on('message', (m: DetectorReply) => this.settle(m));
    worker.on('error', (err) => this.lost(worker, err));
    worker.on('exit', (code) => this.lost(worker, new Error(`${this.model} worker exited (code ${code})`)));
    this.info = ready.models;
    this.faceCalibration = ready.calibration ?? null;
    return worker;
  }

  /** The worker that died is started again, at most once every RESTART_INTERVAL_MS; calls wait for it. */
  private restart(): Promise<Worker> {
    if (this.restarting) return this.restarting;
    const sinceMs = performance.now() - this.lastRestartMs;
    if (sinceMs < RESTART_INTERVAL_MS) {
      const waitS = Math.ceil((RESTART_INTERVAL_MS - sinceMs) / 1000);
      return Promise.reject(new Error(`${this.model} worker is down (${this.crash?.message ?? 'gone'}); next start in ${waitS} s`));
    }
    this.lastRestartMs = performance.now();
    this.restartCount++;
    this.restarting = this.spawn()
      .then(async (worker) => {
        if (!this.running) {
          await worker.terminate();
          throw new Error(`${this.model} worker closed`);
        }
        this.worker = worker;
        this.crash = null;
        return worker;
      })
      .finally(() => {
        this.restarting = null;
      });
    return this.restarting;
  }

  /** A worker ended without stop(): its calls are rejected, and the next call starts a new one. */
  private lost(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.crash = err;
    this.rejectAll(err);
  }

  /** The frame's pixels in shared memory, copied once for all its calls in flight. */
  private sharedCopy(frame: Frame): SharedFrame {
    const held = this.shared.get(frame);
    if (held) {
      held.calls++;
      return held.copy;
    }
    const reuse = this.idlePixels?.byteLength === frame.data.length ? this.idlePixels : null;
    if (reuse) this.idlePixels = null;
    const pixels = reuse ?? new SharedArrayBuffer(frame.data.length);
    new Uint8Array(pixels).set(frame.data);
    const copy = { pixels, width: frame.width, height: frame.height, capturedAtMs: frame.capturedAtMs };
    this.shared.set(frame, { copy, calls: 1 });
    return copy;
  }

  /**
   * A call on `frame` was answered (or failed). Once none is left, the worker reads its shared copy no more (a call is
   * answered after its input was built), and the memory may take the next frame.
   */
  private answered(frame: Frame): void {
    const held = this.shared.get(frame);
    if (!held || --held.calls > 0) return;
    this.shared.delete(frame);
    this.idlePixels = held.copy.pixels;
  }

  private settle(m: DetectorReply): void {
    const call = this.pending.get(m.id);
    if (!call) return;
    this.pending.delete(m.id);
    if (m.error !== undefined || !m.found) call.reject(new Error(m.error ?? 'no boxes in the reply'));
    else call.resolve(m.found);
  }

  private rejectAll(err: Error): void {
    for (const call of this.pending.values()) call.reject(err);
    this.pending.clear();
  }
}
