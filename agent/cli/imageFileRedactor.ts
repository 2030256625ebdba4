// Redacts image files with the agent's own chain (YOLOX objects → OnnxRedactor), as the vehicle would a frame.
import sharp from 'sharp';
import { createDetector } from '../adapters/createDetector.ts';
import { createRedactor } from '../adapters/createRedactor.ts';
import type { OnnxRedactor } from '../adapters/onnxRedactor.ts';
import type { CameraGeometry } from '../core/geometry/cameraGeometry.ts';
import type { PlanInput } from '../core/redaction/redactionPlan.ts';
import { parseRedactionSettings, type RedactionSettingsInput } from '../core/redaction/redactionSettings.ts';
import type { Detection, Detector, RedactedRegion } from '../ports/detector.ts';
import type { Frame } from '../ports/frame.ts';

export interface ImageFileRedactorOptions {
  readonly modelsDir: string;
  readonly threads: number;
  /** Redaction settings (validated; defaults for what is left out). */
  readonly settings?: RedactionSettingsInput;
  /** How the camera that took the images sits: places the face and text bands; none: the fallback rows. */
  readonly camera?: CameraGeometry | null;
  /** Lab tools: called with what each frame's redaction plan was made from. */
  readonly onPlanInput?: (input: PlanInput) => void;
}

/** One redacted image: the clean JPEG, what was blurred, and the time taken (decode excluded). */
export interface FileRedaction {
  readonly frame: Frame;
  readonly jpeg: Buffer;
  readonly regions: readonly RedactedRegion[];
  readonly detectMs: number;
  readonly redactMs: number;
  /** The redactor's wall ms per stage. */
  readonly stagesMs: Readonly<Record<string, number>>;
  /** What the object model found on the whole frame (handed to the redactor, as the agent's task detections are). */
  readonly objects: readonly Detection[];
}

/** Decodes an image file to a packed RGB frame (no EXIF rotation: boxes are in stored pixel order). */
export async function decodeImageFile(file: string): Promise<Frame> {
  const { data, info } = await sharp(file, { failOn: 'error' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
  return { data, width: info.width, height: info.height, capturedAtMs: Date.now() };
}

export class ImageFileRedactor {
  private readonly objects: Detector;
  private readonly redactor: OnnxRedactor;

  /** Throws (naming the key) on bad settings. */
  constructor(options: ImageFileRedactorOptions) {
    const settings = parseRedactionSettings(options.settings);
    const models = { dir: options.modelsDir, threads: options.threads };
    // One object model for the frame's objects and the redactor's tiles, as on the vehicle.
    this.objects = createDetector(settings.models.objects, { modelsDir: options.modelsDir, threads: options.threads });
    this.redactor = createRedactor(settings, { ...models, objects: this.objects }, options.camera ?? null);
    if (options.onPlanInput) this.redactor.onPlanInput = options.onPlanInput;
  }

  /** Loads and verifies every model; throws with the file and the fix when one is missing or corrupt. */
  async start(): Promise<void> {
    await this.objects.start();
    try {
      await this.redactor.start();
    } catch (err) {
      await this.objects.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    try {
      await this.redactor.close();
    } finally {
      await this.objects.close();
    }
  }

  /** Redacts a decoded frame; rejects (fail closed) on any detector error or an overrun deadline. */
  async redactFrame(frame: Frame): Promise<FileRedaction> {
    const t = performance.now();
    const objects = await this.objects.detect(frame);
    const detectMs = performance.now() - t;
    const out = await this.redactor.redact(frame, objects);
    return { frame, jpeg: out.jpeg, regions: out.regions, detectMs, redactMs: out.ms, stagesMs: out.stagesMs ?? {}, objects };
  }
}
