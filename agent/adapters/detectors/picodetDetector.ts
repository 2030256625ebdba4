// The second opinion on COCO classes: PicoDet-S (legacy export, 416×416), slower than YOLOX-nano and a few mAP
// better; asked when YOLOX's score for a task's class is too close to the task's minConfidence to call.
import { nmsPerClass, type Box } from '../../core/redaction/boxes.ts';
import { COCO_LABELS } from '../../core/detection/cocoLabels.ts';
import { letterbox, toSourceBox } from '../../core/detection/letterbox.ts';
import type { Detection, Detector, DetectorSearch } from '../../ports/detector.ts';
import type { Frame } from '../../ports/frame.ts';
import { letterboxTensor } from '../imageTensor.ts';
import type { DetectorOptions, ManifestModel } from '../modelFiles.ts';
import { OnnxDetector } from './onnxDetector.ts';

export const PICODET_MODEL = 'picodet_s_416_coco_legacy';
const INPUT = 416;
const STRIDES = [8, 16, 32, 64] as const;
/** Bins of the distance distribution per box side (left, top, right, bottom). */
const BINS = 8;
/** ImageNet mean and std per input plane, in the model's BGR plane order. */
const MEAN_BGR = [103.53, 116.28, 123.675] as const;
const STD_BGR = [57.375, 57.12, 58.395] as const;

export interface PicodetDetectorOptions extends DetectorOptions {
  /** Minimum class score kept (default 0.3). */
  readonly scoreThreshold?: number;
  /** IoU above which a lower-scored box of the same class is dropped (default 0.5). */
  readonly nmsIou?: number;
}

export class PicodetDetector extends OnnxDetector implements Detector {
  readonly job = 'objects' as const;
  readonly labels: readonly string[] = COCO_LABELS;
  private readonly scoreThreshold: number;
  private readonly nmsIou: number;

  constructor(options: PicodetDetectorOptions, entry?: ManifestModel) {
    super(entry?.name ?? PICODET_MODEL, options.modelsDir, options.threads);
    this.scoreThreshold = options.scoreThreshold ?? 0.3;
    this.nmsIou = options.nmsIou ?? 0.5;
  }

  /** COCO objects in the whole frame, boxes in frame pixels, best score first. */
  async detect(frame: Frame, search: DetectorSearch = {}): Promise<Detection[]> {
    if (search.region) throw new Error(`${this.modelName} searches whole frames only`);
    const model = this.loaded();
    const lb = letterbox(frame.width, frame.height, INPUT, INPUT, 'centre');
    // Trained on BGR, ImageNet-normalised, the letterbox padded with black before normalising.
    const result = await this.runPlanar(model, INPUT, INPUT, async (buffer) => {
      const data = await letterboxTensor(frame, lb, { order: 'bgr', scale: 1, pad: 0 }, undefined, buffer);
      normalisePlanes(data, INPUT * INPUT);
      return data;
    });
    const outputs = model.session.outputNames.map((name) => {
      const t = this.output(model, result, name);
      return { dims: t.dims, data: t.data as Float32Array };
    });
    return nmsPerClass(decodePicodet(outputs, search.minScore ?? this.scoreThreshold), this.nmsIou)
      .map((d) => ({ box: toSourceBox(d.box, lb), score: d.score, label: COCO_LABELS[d.cls]!, detector: model.info.name }))
      .sort((a, b) => b.score - a.score);
  }
}

/** (value − mean) / std per plane, in place; the black padding becomes −mean/std, as in training. */
function normalisePlanes(data: Float32Array, plane: number): void {
  for (let c = 0; c < 3; c++) {
    const mean = MEAN_BGR[c]!;
    const inv = 1 / STD_BGR[c]!;
    const end = (c + 1) * plane;
    for (let i = c * plane; i < end; i++) data[i] = (data[i]! - mean) * inv;
  }
}

export interface RawOutput {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/**
 * Decodes the eight heads — class scores [1, N, 80] (already sigmoided) and side distributions [1, N, 32] for each
 * stride 8/16/32/64, N = cells of that stride — matched to their stride by N, not by output order. A side's length
 * is the softmax-weighted mean bin index times the stride, measured from the cell centre. Boxes in input pixels.
 */
export function decodePicodet(outputs: readonly RawOutput[], scoreThreshold: number): { box: Box; score: number; cls: number }[] {
  const classes = COCO_LABELS.length;
  const found: { box: Box; score: number; cls: number }[] = [];
  for (const stride of STRIDES) {
    const cols = Math.ceil(INPUT / stride);
    const cells = cols * cols;
    const scores = outputs.find((o) => o.dims.at(-1) === classes && o.dims.at(-2) === cells);
    const dists = outputs.find((o) => o.dims.at(-1) === 4 * BINS && o.dims.at(-2) === cells);
    if (!scores || !dists) throw new Error(`${PICODET_MODEL}: no outputs for stride ${stride} (${cells} cells); got ${outputs.map((o) => `[${o.dims.join(',')}]`).join(' ')}`);
    for (let cell = 0; cell < cells; cell++) {
      let best = 0;
      let cls = 0;
      const o = cell * classes;
      for (let c = 0; c < classes; c++) {
        const p = scores.data[o + c]!;
        if (p > best) {
          best = p;
          cls = c;
        }
      }
      if (best < scoreThreshold) continue;
      const cx = ((cell % cols) + 0.5) * stride;
      const cy = (Math.floor(cell / cols) + 0.5) * stride;
      const d = cell * 4 * BINS;
      const left = expectedBin(dists.data, d) * stride;
      const top = expectedBin(dists.data, d + BINS) * stride;
      const right = expectedBin(dists.data, d + 2 * BINS) * stride;
      const bottom = expectedBin(dists.data, d + 3 * BINS) * stride;
      found.push({ box: { x1: cx - left, y1: cy - top, x2: cx + right, y2: cy + bottom }, score: best, cls });
    }
  }
  return found;
}

/** Σ i·softmax(logits)_i over the BINS logits starting at `at`. */
function expectedBin(logits: Float32Array, at: number): number {
  let max = -Infinity;
  for (let i = 0; i < BINS; i++) max = Math.max(max, logits[at + i]!);
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < BINS; i++) {
    const e = Math.exp(logits[at + i]! - max);
    sum += e;
    weighted += i * e;
  }
  return weighted / sum;
}

/** The adapter's entry point: the manifest names it (`"adapter": "picodetDetector"`), createDetector calls it. */
export default function create(entry: ManifestModel, options: DetectorOptions): PicodetDetector {
  return new PicodetDetector(options, entry);
}
