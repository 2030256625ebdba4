// Detector ports: objects in a frame (task targets, persons, vehicles) and the redactor that blurs faces and plates.
import type { Detection, ModelInfo, RedactedRegion, RegionKind } from '../core/detection/detection.ts';
import type { Box } from '../core/redaction/boxes.ts';
import type { FaceCalibration } from '../core/redaction/redactionPlan.ts';
import type { Frame } from './frame.ts';

export type { Detection, FaceCalibration, ModelInfo, RedactedRegion, RegionKind };

/** What a detector does: its manifest `job`. */
export type DetectorJob = 'faces' | 'plates' | 'text' | 'objects';

/** Where and how closely to look; every field optional (the whole frame at the model's own input size). */
export interface DetectorSearch {
  /** Only this part of the frame (frame pixels). */
  readonly region?: Box;
  /** Long side of the model input (models with a dynamic input size); never upscales beyond 4×. */
  readonly longSide?: number;
  /** Below 1: the picture shrunk further inside a fixed input (plates larger than the model knows). */
  readonly zoom?: number;
  /** Lowest score kept for this call (default: the detector's own). */
  readonly minScore?: number;
}

/**
 * One model that finds boxes in a frame: a face, plate, text or object detector. A model is one adapter file
 * (agent/adapters/detectors/) and one manifest entry naming it; createDetector(name) builds it.
 */
export interface Detector {
  readonly job: DetectorJob;
  /** Labels this detector can report (COCO names; "face"; "plate"; "text"). */
  readonly labels: readonly string[];
  readonly models: readonly ModelInfo[];
  /** Loads and verifies the model; rejects with the file and the fix when it is missing or corrupt. */
  start(): Promise<void>;
  /** Releases the model's session (and thread); detect() then rejects. Safe to call twice. */
  close(): Promise<void>;
  /** Boxes in frame pixels, best first. Rejects on any error (the caller drops the frame). */
  detect(frame: Frame, search?: DetectorSearch): Promise<Detection[]>;
}

/** Object detectors answer task questions too. */
export type ObjectDetector = Pick<Detector, 'labels' | 'models' | 'detect'>;

/** A face detector carries the calibration of its scores, which the redaction plan reads. */
export interface FaceDetector extends Detector {
  readonly calibration: FaceCalibration;
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
  /** Releases every model session and the face worker thread. */
  close(): Promise<void>;
}
