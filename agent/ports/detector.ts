// Detector ports: objects in a frame (task targets, persons, vehicles) and the redactor that blurs faces and plates.
import type { Detection, ModelInfo, RedactedRegion, RegionKind } from '../core/detection/detection.ts';
import type { Frame } from './frame.ts';

export type { Detection, ModelInfo, RedactedRegion, RegionKind };

export interface ObjectDetector {
  /** Class labels this detector can answer. */
  readonly labels: readonly string[];
  readonly models: readonly ModelInfo[];
  detect(frame: Frame): Promise<Detection[]>;
}

export interface RedactedImage {
  /** JPEG with every region blurred and no input metadata. */
  readonly jpeg: Buffer;
  readonly regions: readonly RedactedRegion[];
  /** Regions blurred as a detected face / plate (head regions and zones are counted in `regions` only). */
  readonly faces: number;
  readonly plates: number;
  readonly ms: number;
  /** Wall ms per stage (model input, inference, decoding; blur; encoding); stages may overlap in time. */
  readonly stagesMs?: Readonly<Record<string, number>>;
}

export interface Redactor {
  readonly models: readonly ModelInfo[];
  /**
   * Finds faces and plates (using `objects` — persons, vehicles — for cascades) and returns the blurred JPEG.
   * Throws when the frame cannot be redacted; the caller must then drop the frame.
   */
  redact(frame: Frame, objects: readonly Detection[]): Promise<RedactedImage>;
}
