// One ONNX session on a thread of its own (plain JS: a worker is started without the TypeScript loader).
// onnxruntime-node runs a model on the calling JS thread; here that thread is this worker's, so the agent's own
// thread goes on cutting the next inputs, blurring and encoding meanwhile. Inputs arrive in shared memory (copied
// here, off the agent's thread); outputs are handed over, not copied.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

const session = await ort.InferenceSession.create(workerData.file, workerData.options);
// onnxruntime takes no shared memory: a shared input is copied here, on this thread, into a buffer kept per input.
const local = new Map();
function ownCopy(name, data) {
  if (!(data.buffer instanceof SharedArrayBuffer)) return data;
  let own = local.get(name);
  if (!own || own.length !== data.length || own.constructor !== data.constructor) {
    own = new data.constructor(data.length);
    local.set(name, own);
  }
  own.set(data);
  return own;
}

// One run at a time, in the order asked: the next request's inputs are copied into the kept buffers only once the
// run before has finished with them (session.run may return to the event loop while it computes).
let queue = Promise.resolve();
parentPort.on('message', (request) => {
  queue = queue.then(() => runOne(request));
});

async function runOne({ id, feeds }) {
  try {
    const inputs = {};
    for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor(t.type, ownCopy(name, t.data), t.dims);
    const out = await session.run(inputs);
    const outputs = {};
    const transfer = [];
    for (const [name, t] of Object.entries(out)) {
      outputs[name] = { type: t.type, data: t.data, dims: t.dims };
      if (t.data.buffer instanceof ArrayBuffer) transfer.push(t.data.buffer);
    }
    parentPort.postMessage({ id, outputs }, transfer);
  } catch (err) {
    parentPort.postMessage({ id, error: String(err?.message ?? err) });
  }
}
parentPort.postMessage({ ready: true, inputNames: session.inputNames, outputNames: session.outputNames });
