// Starts a TypeScript module on a worker thread. A worker begins without the TypeScript loader the agent runs under
// (tsx), so it registers it first and then imports the module named in workerData.entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
