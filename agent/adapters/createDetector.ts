// Builds any detector by its manifest name: the entry names the adapter file (agent/adapters/detectors/) that runs it.
import { COCO_LABELS } from '../core/detection/cocoLabels.ts';
import type { Detection, Detector, DetectorJob, DetectorSearch, FaceCalibration, FaceDetector, ModelInfo } from '../ports/detector.ts';
import type { Frame } from '../ports/frame.ts';
import { manifestEntry, type DetectorOptions, type ManifestModel } from './modelFiles.ts';

const JOBS: readonly DetectorJob[] = ['faces', 'plates', 'text', 'objects'];
/** An adapter is a file name in agent/adapters/detectors/, nothing that could reach outside it. */
const ADAPTER_NAME = /^[a-z][A-Za-z0-9]*$/;

/** What an adapter file's default export is. */
export type DetectorFactory = (entry: ManifestModel, options: DetectorOptions) => Detector;

/**
 * The detector of manifest model `name`, not yet started. Its job and labels come from the manifest at once; the
 * adapter file is loaded by start(). Every part that runs a model (the agent, the face worker, redact, eval, bench)
 * builds it here, so adding a model is one adapter file and one manifest entry.
 */
export function createDetector(name: string, options: DetectorOptions): FaceDetector {
  return new ManifestDetector(manifestEntry(name), options);
}

/** The adapter module's factory; rejects with the manifest entry's name when the adapter is unknown. */
export async function loadAdapter(entry: ManifestModel): Promise<DetectorFactory> {
  const adapter = entry.adapter;
  if (typeof adapter !== 'string' || !ADAPTER_NAME.test(adapter)) {
    throw new Error(`model "${entry.name}": manifest "adapter" must name a file of agent/adapters/detectors/, got ${JSON.stringify(adapter)}`);
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(`./detectors/${adapter}.ts`)) as { default?: unknown };
  } catch (err) {
    throw new Error(`model "${entry.name}": adapter "${adapter}" could not be loaded: ${(err as Error).message}`);
  }
  if (typeof mod.default !== 'function') throw new Error(`adapter "${adapter}" has no default export (its factory)`);
  return mod.default as DetectorFactory;
}

class ManifestDetector implements FaceDetector {
  readonly job: DetectorJob;
  readonly labels: readonly string[];
  private inner: Detector | null = null;

  constructor(
    private readonly entry: ManifestModel,
    private readonly options: DetectorOptions,
  ) {
    if (!JOBS.includes(entry.job as DetectorJob)) throw new Error(`model "${entry.name}": unknown job "${entry.job}" (one of ${JOBS.join(', ')})`);
    this.job = entry.job as DetectorJob;
    this.labels = entry.classes === 'coco80' ? COCO_LABELS : Array.isArray(entry.classes) ? (entry.classes as string[]) : [];
  }

  get models(): readonly ModelInfo[] {
    return this.inner?.models ?? [];
  }

  /** The face model's score calibration (faces only; after start()). */
  get calibration(): FaceCalibration {
    const c = (this.inner as Partial<FaceDetector> | null)?.calibration;
    if (!c) throw new Error(`model "${this.entry.name}" has no face score calibration (job ${this.job}, or not started)`);
    return c;
  }

  async start(): Promise<void> {
    if (this.inner) return;
    const detector = (await loadAdapter(this.entry))(this.entry, this.options);
    await detector.start();
    this.inner = detector;
  }

  async close(): Promise<void> {
    const inner = this.inner;
    this.inner = null;
    await inner?.close();
  }

  detect(frame: Frame, search?: DetectorSearch): Promise<Detection[]> {
    if (!this.inner) return Promise.reject(new Error(`model "${this.entry.name}": detect() called before start() or after close()`));
    return this.inner.detect(frame, search);
  }
}
