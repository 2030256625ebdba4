// Model files: the manifest, and loading an ONNX session only after the file's sha256 matches it.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { COCO_LABELS } from '../core/detection/cocoLabels.ts';
import type { RoutableModel } from '../core/detection/modelRouting.ts';
import type { ModelInfo } from '../ports/detector.ts';

export interface ManifestModel {
  readonly name: string;
  readonly file: string;
  readonly sha256: string;
  readonly url: string;
  readonly licence: string;
  readonly job: string;
  readonly input: unknown;
  readonly classes: unknown;
  /** What one frame costs the model, ms at its input size on a 2-core x86 (see models/README.md): routing order. */
  readonly costMs: number;
  /** The agent runs without it (a second opinion); doctor warns rather than fails when it is missing. */
  readonly optional?: boolean;
  /** The adapter that runs it: a file agent/adapters/detectors/{adapter}.ts (see createDetector.ts). */
  readonly adapter?: string;
}

/** What every detector adapter is built with; each adapter documents its own defaults. */
export interface DetectorOptions {
  readonly modelsDir: string;
  readonly threads: number;
  /** Lowest score reported (the adapter's calibrated default when absent). */
  readonly scoreThreshold?: number;
  readonly nmsIou?: number;
  /** Long side of the input for a whole frame (dynamic-input models). */
  readonly longSide?: number;
}

/** What the detectors use of an onnxruntime session. */
export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
}

export interface LoadedModel {
  readonly session: ModelSession;
  readonly info: ModelInfo;
  readonly file: string;
}

const MANIFEST_URL = new URL('../../models/manifest.json', import.meta.url);
const FIX = 'run scripts/fetch-models.sh (or scripts/fetch-models.sh --from MIRROR_DIR) to fetch verified weights';

/** All models of the manifest shipped with this source tree. */
export function readManifest(): ManifestModel[] {
  const parsed = JSON.parse(readFileSync(MANIFEST_URL, 'utf8')) as { models?: ManifestModel[] };
  if (!Array.isArray(parsed.models)) throw new Error(`${MANIFEST_URL.pathname} has no "models" list`);
  return parsed.models;
}

export function manifestEntry(name: string): ManifestModel {
  const entry = readManifest().find((m) => m.name === name);
  if (!entry) throw new Error(`model "${name}" is not in ${MANIFEST_URL.pathname}`);
  return entry;
}

/** A model as the routing sees it: its manifest name, the classes it answers ("coco80" or a list) and its cost. */
export function routableModel(name: string): RoutableModel {
  const entry = manifestEntry(name);
  const classes = entry.classes === 'coco80' ? COCO_LABELS : Array.isArray(entry.classes) ? (entry.classes as string[]) : [];
  return { name: entry.name, classes: new Set(classes), costMs: entry.costMs };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Verifies the model file against the manifest, then creates its session. A missing or altered file is refused
 * before onnxruntime sees it: a truncated model can load and silently detect nothing, which would let faces through.
 */
export async function loadSession(modelsDir: string, name: string, threads: number): Promise<LoadedModel> {
  const entry = manifestEntry(name);
  const file = path.resolve(modelsDir, entry.file);
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error('not a regular file');
  } catch {
    throw new Error(`model file ${file} (${name}) is missing — ${FIX}`);
  }
  const actual = await sha256File(file);
  if (actual !== entry.sha256) {
    throw new Error(
      `model file ${file} (${name}) has sha256 ${actual} but the manifest expects ${entry.sha256} ` +
        `(corrupted, truncated or a different version) — ${FIX}`,
    );
  }
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    intraOpNumThreads: Math.max(1, threads),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    // Idle inference threads sleep instead of spinning: on a 2-core vehicle computer a spinning thread takes a core
    // from sharp's resizing and blurring and from the next model call (measured: ~40 % more inference time).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
    // Every run allocates from the arena as it goes rather than keeping one planned block per input shape: the same
    // speed here, and ~100 MB less peak memory with the full-resolution face input.
    enableMemPattern: false,
  };
  let session: ModelSession;
  try {
    session = await ort.InferenceSession.create(file, options);
  } catch (err) {
    throw new Error(`model file ${file} (${name}) could not be loaded by onnxruntime: ${(err as Error).message} — ${FIX}`);
  }
  sessionModels.set(session, entry.name);
  return { session, info: { name: entry.name, sha256: entry.sha256 }, file };
}

const sessionModels = new WeakMap<ModelSession, string>();

/** Manifest name of the model a session was loaded from (for per-model timing); undefined for other sessions. */
export function modelNameOf(session: ModelSession): string | undefined {
  return sessionModels.get(session);
}
