// YuNet on a worker thread of its own: the same faces as YunetFaces, found while the agent's thread does other work.
import { Worker } from 'node:worker_threads';
import type { Detection, ModelInfo } from '../ports/detector.ts';
import type { Frame } from '../ports/frame.ts';
import type { FaceReply, FaceRequest, FaceWorkerReady, SharedFrame } from './faceWorker.ts';
import type { FaceSearch, YunetFacesOptions } from './yunetFaces.ts';

/**
 * onnxruntime-node runs a model on the calling JS thread and blocks it meanwhile, so the face model — the largest
 * inputs of a frame — gets a thread to itself, and builds its input tensors there too: the agent's thread only copies
 * each frame once into shared memory. A frame searched several times (whole, band parts) is copied once.
 *
 * Fails closed: once the worker has failed or stopped, every call rejects.
 */
export class WorkerFaces {
  private worker: Worker | null = null;
  private info: readonly ModelInfo[] = [];
  private readonly pending = new Map<number, { resolve: (f: Detection[]) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | null = null;
  /** The shared copy of each frame in flight; gone with the frame. */
  private readonly shared = new WeakMap<Frame, SharedFrame>();

  constructor(private readonly options: YunetFacesOptions) {}

  get models(): readonly ModelInfo[] {
    return this.worker ? this.info : [];
  }

  /** Starts the worker and loads the model there; rejects (worker ended) when the model is missing or corrupt. */
  async start(): Promise<void> {
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
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`face model worker exited (code ${code})`)));
    this.info = ready.models;
    this.failure = null;
    this.worker = worker;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.fail(new Error('WorkerFaces.detect() called before start()'));
    await worker?.terminate();
  }

  detect(frame: Frame, search: FaceSearch = {}): Promise<Detection[]> {
    const worker = this.worker;
    if (!worker) return Promise.reject(this.failure ?? new Error('WorkerFaces.detect() called before start()'));
    if (this.failure) return Promise.reject(this.failure);
    if (frame.data.length !== frame.width * frame.height * 3) {
      return Promise.reject(new Error(`frame buffer holds ${frame.data.length} bytes, expected ${frame.width}x${frame.height}x3`));
    }
    const id = this.nextId++;
    const request: FaceRequest = { id, frame: this.sharedCopy(frame), search };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage(request);
    });
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

  private fail(err: Error): void {
    this.failure ??= err;
    for (const call of this.pending.values()) call.reject(err);
    this.pending.clear();
  }
}
