// Detector ports: objects in a frame (task targets, persons, vehicles) and the redactor that blurs faces and plates.
import type { Box } from '../core/boxes.ts';
import type { Frame } from './frame.ts';

export interface Detection {
  readonly box: Box;
  readonly score: number;
  /** Class label, e.g. a COCO name ("car", "person") or "face" / "plate". */
  readonly label: string;
  /** Name of the model (manifest name) that produced it. */
  readonly detector: string;
}

export interface ModelInfo {
  readonly name: string;
  readonly sha256: string;
}

export interface ObjectDetector {
  /** Class labels this detector can answer. */
  readonly labels: readonly string[];
  readonly models: readonly ModelInfo[];
  detect(frame: Frame): Promise<Detection[]>;
}

export type RegionKind = 'face' | 'plate' | 'head-region' | 'plate-zone' | 'cabin-zone';

export interface RedactedRegion {
  readonly kind: RegionKind;
  /** The box as blurred (already padded), in frame pixels. */
  readonly box: Box;
  readonly detector: string;
  readonly score: number;
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
