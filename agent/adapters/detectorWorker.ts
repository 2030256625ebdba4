// A detector's own thread: cuts and enlarges its inputs, runs the model and decodes the boxes, while the agent's
// thread runs the other models. Started by WorkerDetector (workerDetector.ts), never on its own.
import { parentPort, workerData } from 'node:worker_threads';
import type { Detection, DetectorSearch, FaceCalibration, ModelInfo } from '../ports/detector.ts';
import { createDetector } from './createDetector.ts';
import type { DetectorOptions } from './modelFiles.ts';

/** A frame as the agent's thread shares it: its pixels in shared memory, written once, only read here. */
export interface SharedFrame {
  readonly pixels: SharedArrayBuffer;
  readonly width: number;
  readonly height: number;
  readonly capturedAtMs: number;
}

export type DetectorRequest = { readonly id: number; readonly frame: SharedFrame; readonly search: DetectorSearch };
export type DetectorReply = { readonly id: number; readonly found?: Detection[]; readonly error?: string };
export type DetectorWorkerReady =
  | { readonly ready: true; readonly models: readonly ModelInfo[]; readonly calibration?: FaceCalibration }
  | { readonly ready: false; readonly error: string };

const port = parentPort;
if (!port) throw new Error('detectorWorker.ts runs on a worker thread started by WorkerDetector');

const { model, options } = workerData as { model: string; options: DetectorOptions };
const detector = createDetector(model, options);
try {
  await detector.start();
  const calibration = detector.job === 'faces' ? detector.calibration : undefined;
  port.postMessage({ ready: true, models: detector.models, ...(calibration ? { calibration } : {}) } satisfies DetectorWorkerReady);
} catch (err) {
  port.postMessage({ ready: false, error: (err as Error).message } satisfies DetectorWorkerReady);
  process.exit(1);
}

// Requests are taken as they come: the inputs of the next search are cut and enlarged (by sharp, on its threads)
// while the model runs on this one. Each call has its own input buffer (TensorBuffers), so none sees another's.
port.on('message', (request: DetectorRequest) => {
  const { id, frame, search } = request;
  const pixels = Buffer.from(frame.pixels);
  detector.detect({ data: pixels, width: frame.width, height: frame.height, capturedAtMs: frame.capturedAtMs }, search).then(
    (found) => port.postMessage({ id, found } satisfies DetectorReply),
    (err: unknown) => port.postMessage({ id, error: String((err as Error)?.message ?? err) } satisfies DetectorReply),
  );
});
