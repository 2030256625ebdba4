// The face model's own thread: cuts and enlarges its inputs, runs YuNet and decodes the faces, while the agent's
// thread runs the object and plate models. Started by WorkerFaces (workerFaces.ts), never on its own.
import { parentPort, workerData } from 'node:worker_threads';
import type { Detection } from '../ports/detector.ts';
import { YunetFaces, type FaceSearch, type YunetFacesOptions } from './yunetFaces.ts';

/** A frame as the agent's thread shares it: its pixels in shared memory, written once, only read here. */
export interface SharedFrame {
  readonly pixels: SharedArrayBuffer;
  readonly width: number;
  readonly height: number;
  readonly capturedAtMs: number;
}

export type FaceRequest = { readonly id: number; readonly frame: SharedFrame; readonly search: FaceSearch };
export type FaceReply = { readonly id: number; readonly faces?: Detection[]; readonly error?: string };
export type FaceWorkerReady = { readonly ready: true; readonly models: YunetFaces['models'] } | { readonly ready: false; readonly error: string };

const port = parentPort;
if (!port) throw new Error('faceWorker.ts runs on a worker thread started by WorkerFaces');

const faces = new YunetFaces(workerData.options as YunetFacesOptions);
try {
  await faces.start();
  port.postMessage({ ready: true, models: faces.models } satisfies FaceWorkerReady);
} catch (err) {
  port.postMessage({ ready: false, error: (err as Error).message } satisfies FaceWorkerReady);
  process.exit(1);
}

// Requests are taken as they come: the inputs of the next search are cut and enlarged (by sharp, on its threads)
// while the model runs on this one. Each call has its own input buffer (TensorBuffers), so none sees another's.
port.on('message', (request: FaceRequest) => {
  const { id, frame, search } = request;
  const pixels = Buffer.from(frame.pixels);
  faces.detect({ data: pixels, width: frame.width, height: frame.height, capturedAtMs: frame.capturedAtMs }, search).then(
    (found) => port.postMessage({ id, faces: found } satisfies FaceReply),
    (err: unknown) => port.postMessage({ id, error: String((err as Error)?.message ?? err) } satisfies FaceReply),
  );
});
