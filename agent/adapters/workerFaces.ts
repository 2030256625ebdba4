// YuNet on a worker thread of its own: the same faces as YunetFaces, found while the agent's thread does other work.
import { Worker } from 'node:worker_threads';
import type { Detection, ModelInfo } from '../ports/detector.ts';
import type { Frame } from '../ports/frame.ts';
import type { FaceReply, FaceRequest, FaceWorkerReady, SharedFrame } from './faceWorker.ts';
import type { FaceSearch, YunetFacesOptions } from './yunetFaces.ts';

/** A worker that died is started again at most this often; calls in between are refused (their frames dropped). */
const RESTART_INTERVAL_MS = 5_000;

/**
 * onnxruntime-node runs a model on the calling JS thread and blocks it meanwhile, so the face model — the largest
 * inputs of a frame — gets a thread to itself, and builds its input tensors there too: the agent's thread only copies
 * each frame once into shared memory. A frame searched several times (whole, band parts) is copied once.
 *
 * Fails closed: a call the worker cannot answer (an error, the worker gone) rejects, and its frame is dropped. A
 * worker that dies while started is started again for a later call, so the agent goes on redacting after it.
 */
export class WorkerFaces {
  private worker: Worker | null = null;
  private info: readonly ModelInfo[] = [];
  private readonly pending = new Map<number, { resolve: (f: Detection[]) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  /** Between start() and stop(): an exit of the worker then is a crash. */
  private running = false;
  /** Why the worker died, until it runs again. */
  private crash: Error | null = null;
  private restarting: Promise<Worker> | null = null;
  private lastRestartMs = Number.NEGATIVE_INFINITY;
  private restartCount = 0;
  /** The shared copy of each frame in flight; gone with the frame. */
  private readonly shared = new WeakMap<Frame, SharedFrame>();

  constructor(private readonly options: YunetFacesOptions) {}

  get models(): readonly ModelInfo[] {
    return this.running ? this.info : [];
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

  async stop(): Promise<void> {
    this.running = false;
    const worker = this.worker;
    this.worker = null;
    this.rejectAll(new Error('WorkerFaces stopped'));
    await worker?.terminate();
  }

  async detect(frame: Frame, search: FaceSearch = {}): Promise<Detection[]> {
    if (!this.running) throw new Error('WorkerFaces.detect() called before start() or after stop()');
    if (frame.data.length !== frame.width * frame.height * 3) {
      throw new Error(`frame buffer holds ${frame.data.length} bytes, expected ${frame.width}x${frame.height}x3`);
    }
    const worker = this.worker ?? (await this.restart());
    const id = this.nextId++;
    const request: FaceRequest = { id, frame: this.sharedCopy(frame), search };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage(request);
    });
  }

  /** Starts a worker and waits until its model has loaded. */
  private async spawn(): Promise<Worker> {
    const worker = new Worker(new URL('./typescriptWorker.mjs', import.meta.url), {
      workerData: { entry: new URL('./faceWorker.ts', import.meta.url).href, options: this.options },
    });
    const ready = await new Promise<FaceWorkerReady>((resolve) => {
      const onError = (err: Error) => done({ ready: false, error: err.message });
      const onExit = (code: number) => done({ ready: false, error: `face model worker exited (code ${code}) while loading` });
      const done = (m: FaceWorkerReady) => {
        worker.off('error', onError).off('exit', onExit).off('message', done);
        resolve(m);
      };
      worker.on('error', onError).on('exit', onExit).on('message', done);
    });
    if (!ready.ready) {
      await worker.terminate();
      throw new Error(ready.error);
    }
    worker.on('message', (m: FaceReply) => this.settle(m));
    worker.on('error', (err) => this.lost(worker, err));
    worker.on('exit', (code) => this.lost(worker, new Error(`face model worker exited (code ${code})`)));
    this.info = ready.models;
    return worker;
  }

  /** The worker that died is started again, at most once every RESTART_INTERVAL_MS; calls wait for it. */
  private restart(): Promise<Worker> {
    if (this.restarting) return this.restarting;
    const sinceMs = performance.now() - this.lastRestartMs;
    if (sinceMs < RESTART_INTERVAL_MS) {
      const waitS = Math.ceil((RESTART_INTERVAL_MS - sinceMs) / 1000);
      return Promise.reject(new Error(`face model worker is down (${this.crash?.message ?? 'gone'}); next start in ${waitS} s`));
    }
    this.lastRestartMs = performance.now();
    this.restartCount++;
    this.restarting = this.spawn()
      .then(async (worker) => {
        if (!this.running) {
          await worker.terminate();
          throw new Error('WorkerFaces stopped');
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

  private sharedCopy(frame: Frame): SharedFrame {
    let copy = this.shared.get(frame);
    if (!copy) {
      const pixels = new SharedArrayBuffer(frame.data.length);
      new Uint8Array(pixels).set(frame.data);
      copy = { pixels, width: frame.width, height: frame.height, capturedAtMs: frame.capturedAtMs };
      this.shared.set(frame, copy);
    }
    return copy;
  }

  private settle(m: FaceReply): void {
    const call = this.pending.get(m.id);
    if (!call) return;
    this.pending.delete(m.id);
    if (m.error !== undefined || !m.faces) call.reject(new Error(m.error ?? 'no faces in the reply'));
    else call.resolve(m.faces);
  }

  private rejectAll(err: Error): void {
    for (const call of this.pending.values()) call.reject(err);
    this.pending.clear();
  }
}
