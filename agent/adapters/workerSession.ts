// An ONNX session that runs on its own worker thread, with the few members of ort.InferenceSession the detectors use.
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

type Feeds = Record<string, ort.Tensor>;
type WireTensor = { type: ort.Tensor.Type; data: ort.Tensor.DataType; dims: readonly number[] };
type Reply = { id: number; outputs?: Record<string, WireTensor>; error?: string };

/**
 * Runs of one session go one at a time, in order, on the worker; runs of different WorkerSessions (and of sessions on
 * the main thread) run at the same time. Inputs should live in shared memory (a SharedArrayBuffer): the worker
 * copies them on its own thread and they stay usable here; other inputs are copied by postMessage.
 */
export class WorkerSession {
  private readonly pending = new Map<number, { resolve: (o: Record<string, ort.Tensor>) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
  ) {
    worker.on('message', (m: Reply) => {
      const call = this.pending.get(m.id);
      if (!call) return;
      this.pending.delete(m.id);
      if (m.error !== undefined || !m.outputs) return call.reject(new Error(m.error ?? 'no outputs'));
      const out: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(m.outputs)) out[name] = new ort.Tensor(t.type, t.data as Float32Array, t.dims);
      call.resolve(out);
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const call of this.pending.values()) call.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`inference worker exited (code ${code})`)));
  }

  /** Starts the worker and loads the model there; rejects when onnxruntime cannot load it. */
  static async create(file: string, options: ort.InferenceSession.SessionOptions): Promise<WorkerSession> {
    const worker = new Worker(new URL('./onnxSessionWorker.mjs', import.meta.url), { workerData: { file, options } });
    try {
      const ready = await new Promise<{ inputNames: string[]; outputNames: string[] }>((resolve, reject) => {
        const onExit = (code: number) => reject(new Error(`inference worker exited (code ${code}) while loading`));
        worker.once('error', reject);
        worker.once('exit', onExit);
        worker.once('message', (m: { inputNames: string[]; outputNames: string[] }) => {
          worker.off('error', reject);
          worker.off('exit', onExit);
          resolve(m);
        });
      });
      return new WorkerSession(worker, ready.inputNames, ready.outputNames);
    } catch (err) {
      await worker.terminate();
      throw err;
    }
  }

  run(feeds: Feeds): Promise<Record<string, ort.Tensor>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const wire: Record<string, WireTensor> = {};
    for (const [name, t] of Object.entries(feeds)) wire[name] = { type: t.type, data: t.data, dims: t.dims };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, feeds: wire });
    });
  }

  async release(): Promise<void> {
    this.failure ??= new Error('session released');
    for (const call of this.pending.values()) call.reject(this.failure);
    this.pending.clear();
    await this.worker.terminate();
  }
}
