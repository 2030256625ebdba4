// What detectors report and what the redactor blurred: boxes with a label, a score and the model that found them.
import type { Box } from '../redaction/boxes.ts';

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

export type RegionKind = 'face' | 'plate' | 'head-region' | 'plate-zone' | 'cabin-zone';

export interface RedactedRegion {
  readonly kind: RegionKind;
  /** The box as blurred (already padded), in frame pixels. */
  readonly box: Box;
  readonly detector: string;
  readonly score: number;
}
