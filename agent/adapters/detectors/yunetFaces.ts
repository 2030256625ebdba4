// Faces: YuNet-n (dynamic input) on the frame or a region of it, scaled so the long side is a set size.
import { nms, type Box } from '../../core/redaction/boxes.ts';
import { offsetBox, toSourceBox } from '../../core/detection/letterbox.ts';
import type { Detection, DetectorSearch, FaceCalibration, FaceDetector } from '../../ports/detector.ts';
import type { Frame } from '../../ports/frame.ts';
import { letterboxTensor } from '../imageTensor.ts';
import type { DetectorOptions, ManifestModel } from '../modelFiles.ts';
import { OnnxDetector, scaledInput } from './onnxDetector.ts';

export const YUNET_MODEL = 'yunet_n_dynamic';
const STRIDES = [8, 16, 32] as const;

/**
 * How YuNet-n scores street faces, measured on dashcam-dev and confirmed on WIDER street (models/README.md): hits
 * from 0.05 mark occupants behind glass, from 0.15 a face where one is expected (person box, cabin), from 0.3 a face
 * anywhere; a face over a quarter of the frame high needs 0.6 (weaker ones are car fronts and walls).
 */
export const YUNET_CALIBRATION: FaceCalibration = {
  reportMinScore: 0.05,
  aloneMinScore: 0.3,
  supportedMinScore: 0.15,
  largeMinScore: 0.6,
  occupantCueMinScore: 0.05,
};

export interface YunetFacesOptions extends DetectorOptions {
  /** Long side of the model input for a whole frame (default 960; 1280 finds smaller faces, costs ~1.8×). */
  readonly longSide?: number;
  /** sqrt(cls·obj) kept from here (default: YUNET_CALIBRATION.reportMinScore). */
  readonly scoreThreshold?: number;
  /** Default 0.3. */
  readonly nmsIou?: number;
}

/** @deprecated the port's DetectorSearch. */
export type FaceSearch = DetectorSearch;

export class YunetFaces extends OnnxDetector implements FaceDetector {
  readonly job = 'faces' as const;
  readonly labels = ['face'] as const;
  readonly calibration = YUNET_CALIBRATION;
  private readonly longSide: number;
  private readonly scoreThreshold: number;
  private readonly nmsIou: number;

  constructor(options: YunetFacesOptions, entry?: ManifestModel) {
    // Its runs take turns on one thread: the band parts share one input buffer (18.7 MB each at 2112×736).
    super(entry?.name ?? YUNET_MODEL, options.modelsDir, options.threads, true);
    this.longSide = options.longSide ?? 960;
    this.scoreThreshold = options.scoreThreshold ?? YUNET_CALIBRATION.reportMinScore;
    this.nmsIou = options.nmsIou ?? 0.3;
  }

  async detect(frame: Frame, search: DetectorSearch = {}): Promise<Detection[]> {
    const model = this.loaded();
    const { crop, lb } = scaledInput(frame, search, this.longSide);
    const out = await this.runPlanar(model, lb.dstWidth, lb.dstHeight, (buffer) =>
      letterboxTensor(frame, lb, { order: 'bgr', scale: 1, pad: 0 }, crop, buffer),
    );
    const tensor = (name: string): Float32Array => this.output(model, out, name).data as Float32Array;
    const minScore = search.minScore ?? this.scoreThreshold;
    const found: { box: Box; score: number }[] = [];
    for (const s of STRIDES) {
      const cols = lb.dstWidth / s;
      const rows = lb.dstHeight / s;
      const cls = tensor(`cls_${s}`);
      const obj = tensor(`obj_${s}`);
      const bbox = tensor(`bbox_${s}`);
      if (cls.length !== rows * cols) throw new Error(`${model.info.name} cls_${s} has ${cls.length} cells, expected ${rows * cols}`);
      for (let i = 0; i < cls.length; i++) {
        const score = Math.sqrt(clamp01(cls[i]!) * clamp01(obj[i]!));
        if (score < minScore) continue;
        const col = i % cols;
        const row = (i - col) / cols;
        const cx = (col + bbox[4 * i]!) * s;
        const cy = (row + bbox[4 * i + 1]!) * s;
        const w = Math.exp(bbox[4 * i + 2]!) * s;
        const h = Math.exp(bbox[4 * i + 3]!) * s;
        found.push({ box: { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 }, score });
      }
    }
    const origin = { x: crop?.left ?? 0, y: crop?.top ?? 0 };
    return nms(found, this.nmsIou).map((d) => ({
      box: offsetBox(toSourceBox(d.box, lb), origin),
      score: d.score,
      label: 'face',
      detector: model.info.name,
    }));
  }
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** The adapter's entry point: the manifest names it (`"adapter": "yunetFaces"`), createDetector calls it. */
export default function create(entry: ManifestModel, options: DetectorOptions): YunetFaces {
  return new YunetFaces(options, entry);
}
