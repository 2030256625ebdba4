// Task targets, persons and vehicles: YOLOX-nano (80 COCO classes) on a 416×416 letterboxed frame.
import { nmsPerClass, type Box } from '../../core/redaction/boxes.ts';
import { COCO_LABELS } from '../../core/detection/cocoLabels.ts';
import { letterbox, offsetBox, toSourceBox } from '../../core/detection/letterbox.ts';
import type { Detection, Detector, DetectorSearch } from '../../ports/detector.ts';
import type { Frame } from '../../ports/frame.ts';
import { cropRect, letterboxTensor } from '../imageTensor.ts';
import type { DetectorOptions, ManifestModel } from '../modelFiles.ts';
import { OnnxDetector } from './onnxDetector.ts';

export const YOLOX_MODEL = 'yolox_nano_416_coco';
const INPUT = 416;
const STRIDES = [8, 16, 32] as const;

export interface YoloxDetectorOptions extends DetectorOptions {
  /** Minimum obj·class score kept (default 0.3). */
  readonly scoreThreshold?: number;
  /** IoU above which a lower-scored box of the same class is dropped (default 0.45). */
  readonly nmsIou?: number;
}

export class YoloxDetector extends OnnxDetector implements Detector {
  readonly job = 'objects' as const;
  readonly labels: readonly string[] = COCO_LABELS;
  private readonly scoreThreshold: number;
  private readonly nmsIou: number;

  constructor(options: YoloxDetectorOptions, entry?: ManifestModel) {
    super(entry?.name ?? YOLOX_MODEL, options.modelsDir, options.threads);
    this.scoreThreshold = options.scoreThreshold ?? 0.3;
    this.nmsIou = options.nmsIou ?? 0.45;
  }

  /** Objects in the frame, or only in `region` of it (a tile: small persons get more input pixels); frame pixels. */
  async detect(frame: Frame, search: DetectorSearch = {}): Promise<Detection[]> {
    const region = search.region;
    const model = this.loaded();
    const crop = region ? cropRect(frame, region) : undefined;
    const lb = letterbox(crop?.width ?? frame.width, crop?.height ?? frame.height, INPUT, INPUT, 'top-left');
    // Trained on BGR 0–255 without normalisation, padded with grey 114 at the bottom/right.
    const result = await this.runPlanar(model, INPUT, INPUT, (buffer) =>
      letterboxTensor(frame, lb, { order: 'bgr', scale: 1, pad: 114 }, crop, buffer),
    );
    const raw = decodeYolox(this.output(model, result).data as Float32Array, search.minScore ?? this.scoreThreshold);
    const origin = { x: crop?.left ?? 0, y: crop?.top ?? 0 };
    return nmsPerClass(raw, this.nmsIou)
      .map((d) => ({ box: offsetBox(toSourceBox(d.box, lb), origin), score: d.score, label: COCO_LABELS[d.cls]!, detector: model.info.name }))
      .sort((a, b) => b.score - a.score);
  }
}

/** Decodes the raw [3549, 85] head: per grid cell xy offset, log wh, objectness, 80 class probabilities. */
export function decodeYolox(data: Float32Array, scoreThreshold: number): { box: Box; score: number; cls: number }[] {
  const found: { box: Box; score: number; cls: number }[] = [];
  const stride85 = 5 + COCO_LABELS.length;
  let row = 0;
  for (const s of STRIDES) {
    const cells = INPUT / s;
    for (let gy = 0; gy < cells; gy++) {
      for (let gx = 0; gx < cells; gx++, row++) {
        const o = row * stride85;
        const obj = data[o + 4]!;
        if (obj < scoreThreshold) continue;
        let best = 0;
        let cls = 0;
        for (let c = 0; c < COCO_LABELS.length; c++) {
          const p = data[o + 5 + c]!;
          if (p > best) {
            best = p;
            cls = c;
          }
        }
        const score = obj * best;
        if (score < scoreThreshold) continue;
        const cx = (data[o]! + gx) * s;
        const cy = (data[o + 1]! + gy) * s;
        const w = Math.exp(data[o + 2]!) * s;
        const h = Math.exp(data[o + 3]!) * s;
        found.push({ box: { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 }, score, cls });
      }
    }
  }
  if (row * stride85 !== data.length) throw new Error(`YOLOX output has ${data.length} values, expected ${row * stride85}`);
  return found;
}

/** The adapter's entry point: the manifest names it (`"adapter": "yoloxDetector"`), createDetector calls it. */
export default function create(entry: ManifestModel, options: DetectorOptions): YoloxDetector {
  return new YoloxDetector(options, entry);
}
