// Task targets, persons and vehicles: YOLOX-nano (80 COCO classes) on a 416×416 letterboxed frame.
import * as ort from 'onnxruntime-node';
import { nms, type Box } from '../../core/redaction/boxes.ts';
import { COCO_LABELS } from '../../core/detection/cocoLabels.ts';
import { letterbox, offsetBox, toSourceBox } from '../../core/detection/letterbox.ts';
import type { Detection, Detector, DetectorSearch, ModelInfo } from '../../ports/detector.ts';
import type { Frame } from '../../ports/frame.ts';
import { cropRect, letterboxTensor, TensorBuffers } from '../imageTensor.ts';
import { loadSession, type DetectorOptions, type LoadedModel, type ManifestModel } from '../modelFiles.ts';

export const YOLOX_MODEL = 'yolox_nano_416_coco';
const INPUT = 416;
const STRIDES = [8, 16, 32] as const;

export interface YoloxDetectorOptions extends DetectorOptions {
  /** Minimum obj·class score kept (default 0.3). */
  readonly scoreThreshold?: number;
  /** IoU above which a lower-scored box of the same class is dropped (default 0.45). */
  readonly nmsIou?: number;
}

export class YoloxDetector implements Detector {
  readonly job = 'objects' as const;
  readonly labels: readonly string[] = COCO_LABELS;
  private model: LoadedModel | null = null;
  private readonly tensors = new TensorBuffers();
  private readonly scoreThreshold: number;
  private readonly nmsIou: number;

  private readonly modelName: string;

  constructor(private readonly options: YoloxDetectorOptions, entry?: ManifestModel) {
    this.modelName = entry?.name ?? YOLOX_MODEL;
    this.scoreThreshold = options.scoreThreshold ?? 0.3;
    this.nmsIou = options.nmsIou ?? 0.45;
  }

  get models(): readonly ModelInfo[] {
    return this.model ? [this.model.info] : [];
  }

  async start(): Promise<void> {
    this.model = await loadSession(this.options.modelsDir, this.modelName, this.options.threads);
  }

  async close(): Promise<void> {
    const m = this.model;
    this.model = null;
    await m?.session.release();
  }

  /** Objects in the frame, or only in `region` of it (a tile: small persons get more input pixels); frame pixels. */
  async detect(frame: Frame, search: DetectorSearch = {}): Promise<Detection[]> {
    const region = search.region;
    const model = this.model;
    if (!model) throw new Error('YoloxDetector.detect() called before start()');
    const crop = region ? cropRect(frame, region) : undefined;
    const lb = letterbox(crop?.width ?? frame.width, crop?.height ?? frame.height, INPUT, INPUT, 'top-left');
    // Trained on BGR 0–255 without normalisation, padded with grey 114 at the bottom/right.
    const result = await this.tensors.with(3 * INPUT * INPUT, async (buffer) => {
      const data = await letterboxTensor(frame, lb, { order: 'bgr', scale: 1, pad: 114 }, crop, buffer);
      const input = new ort.Tensor('float32', data, [1, 3, INPUT, INPUT]);
      return model.session.run({ [model.session.inputNames[0]!]: input });
    });
    const output = result[model.session.outputNames[0]!];
    if (!output) throw new Error(`${YOLOX_MODEL} returned no output`);
    const raw = decodeYolox(output.data as Float32Array, search.minScore ?? this.scoreThreshold);
    const byClass = new Map<number, { box: Box; score: number; cls: number }[]>();
    for (const d of raw) {
      const list = byClass.get(d.cls) ?? [];
      list.push(d);
      byClass.set(d.cls, list);
    }
    const origin = { x: crop?.left ?? 0, y: crop?.top ?? 0 };
    const out: Detection[] = [];
    for (const [cls, list] of byClass) {
      for (const d of nms(list, this.nmsIou)) {
        const box = offsetBox(toSourceBox(d.box, lb), origin);
        out.push({ box, score: d.score, label: COCO_LABELS[cls]!, detector: model.info.name });
      }
    }
    return out.sort((a, b) => b.score - a.score);
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
