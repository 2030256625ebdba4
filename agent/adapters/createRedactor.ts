// Builds the redactor and its detectors from one settings object: the agent, redact, eval and bench all come here.
import { parseRedactionSettings, type RedactionSettings } from '../core/redaction/redactionSettings.ts';
import { pinholeGeometry, type CameraGeometry } from '../core/geometry/cameraGeometry.ts';
import type { Detector, FaceDetector } from '../ports/detector.ts';
import { createDetector } from './createDetector.ts';
import { OnnxRedactor } from './onnxRedactor.ts';
import { WorkerDetector } from './workerDetector.ts';

export interface RedactorModels {
  /** Folder of the fetched model files. */
  readonly dir: string;
  /** Inference threads per model. */
  readonly threads: number;
  /**
   * The object detector the agent already runs for tasks (YOLOX): the redactor searches its tiles with it instead of
   * loading a second copy. Started and closed by its owner, not by the redactor.
   */
  readonly objects?: Detector;
}

/**
 * The redactor for `settings` (validated here, whatever their source: a config section, `--redactor '{…}'`, a test;
 * a bad key throws an Error naming it). Not started: start() loads and verifies every model, close() releases them.
 * `camera`: how the camera sits (config `camera`: fovDeg, mountHeightM, pitchDeg), which places the face and text bands
 * on each frame; without it (still photos, unknown camera) or with a lens wider than a pinhole describes (fisheye, 360°)
 * the wide fallback rows are searched.
 */
export function createRedactor(settings: unknown, models: RedactorModels, camera: CameraGeometry | null = null): OnnxRedactor {
  const s: RedactionSettings = parseRedactionSettings(settings);
  const base = { modelsDir: models.dir, threads: models.threads };
  const faceOptions = { ...base, longSide: s.faces.longSide, ...(s.faces.scoreThreshold !== undefined ? { scoreThreshold: s.faces.scoreThreshold } : {}), nmsIou: s.faces.nmsIou };
  // The face model, with the largest inputs of a frame, runs on a thread of its own while the others run here.
  const faces: FaceDetector = s.concurrentLanes ? new WorkerDetector(s.models.faces, faceOptions) : createDetector(s.models.faces, faceOptions);
  if (faces.job !== 'faces') throw new Error(`redaction settings: models.faces: "${s.models.faces}" is a ${faces.job} model`);
  const plates = createDetector(s.models.plates, { ...base, scoreThreshold: s.plates.objThreshold });
  const vehiclePlates =
    s.models.vehiclePlates === s.models.plates ? plates : createDetector(s.models.vehiclePlates, { ...base, scoreThreshold: s.plates.objThreshold });
  const text = s.models.text === null ? null : createDetector(s.models.text, { ...base, longSide: s.text.cropLongSide });
  const ownObjects = !models.objects && s.objects.tiles > 0 ? createDetector(s.models.objects, base) : null;
  const objects = models.objects ?? ownObjects;
  for (const [key, d, job] of [['plates', plates, 'plates'], ['vehiclePlates', vehiclePlates, 'plates'], ['text', text, 'text'], ['objects', objects, 'objects']] as const) {
    if (d && d.job !== job) throw new Error(`redaction settings: models.${key} is a ${d.job} model, not ${job}`);
  }
  const owned = [faces, plates, ...(vehiclePlates !== plates ? [vehiclePlates] : []), ...(text ? [text] : []), ...(ownObjects ? [ownObjects] : [])];
  return new OnnxRedactor(s, { faces, plates, vehiclePlates, text, objects }, owned, pinholeGeometry(camera));
}
