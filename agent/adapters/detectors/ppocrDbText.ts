// Scene text: PaddleOCR's DB text detector (PP-OCRv3, English) on a frame region; a line of characters per box.
import type { Box } from '../../core/redaction/boxes.ts';
import { offsetBox, toSourceBox } from '../../core/detection/letterbox.ts';
import type { Detection, Detector, DetectorSearch } from '../../ports/detector.ts';
import type { Frame } from '../../ports/frame.ts';
import { letterboxTensor } from '../imageTensor.ts';
import type { DetectorOptions, ManifestModel } from '../modelFiles.ts';
import { OnnxDetector, scaledInput } from './onnxDetector.ts';

/** ImageNet mean and std per RGB plane, on 0–1 values (PaddleOCR's preprocessing). */
const MEAN_RGB = [0.485, 0.456, 0.406] as const;
const STD_RGB = [0.229, 0.224, 0.225] as const;
/** Text probability above which a map pixel is text (PaddleOCR's det_db_thresh). */
const PIXEL_THRESHOLD = 0.3;
/** Components smaller than this on a side (map pixels) are noise (PaddleOCR's min_size). */
const MIN_SIDE_PX = 3;
/** Each box grows by area × this / perimeter on every side: DB's map marks a shrunk text core (unclip ratio). */
const UNCLIP_RATIO = 1.5;

export interface PpocrDbTextOptions extends DetectorOptions {
  /** Mean text probability a box needs (default 0.5; PaddleOCR's det_db_box_thresh is 0.6). */
  readonly scoreThreshold?: number;
  /** Long side of the input (multiple of 32) for the whole frame or a region (default 320). */
  readonly longSide?: number;
}

export class PpocrDbText extends OnnxDetector implements Detector {
  readonly job = 'text' as const;
  readonly labels = ['text'] as const;
  private readonly scoreThreshold: number;
  private readonly longSide: number;

  constructor(options: PpocrDbTextOptions, entry: ManifestModel) {
    super(entry.name, options.modelsDir, options.threads);
    this.scoreThreshold = options.scoreThreshold ?? 0.5;
    this.longSide = options.longSide ?? 320;
  }

  /** Text lines in the frame or `search.region` of it, scaled so its long side is `search.longSide`; frame pixels. */
  async detect(frame: Frame, search: DetectorSearch = {}): Promise<Detection[]> {
    const model = this.loaded();
    const { crop, lb } = scaledInput(frame, search, this.longSide);
    const plane = lb.dstWidth * lb.dstHeight;
    const out = await this.runPlanar(model, lb.dstWidth, lb.dstHeight, (buffer) =>
      letterboxTensor(frame, lb, { order: 'rgb', scale: 1 / 255, pad: 0, normalise: { mean: MEAN_RGB, std: STD_RGB } }, crop, buffer),
    );
    const map = this.output(model, out);
    if (map.data.length !== plane) throw new Error(`${model.info.name} returned no ${lb.dstWidth}×${lb.dstHeight} map`);
    const origin = { x: crop?.left ?? 0, y: crop?.top ?? 0 };
    return decodeDbMap(map.data as Float32Array, lb.dstWidth, lb.dstHeight, search.minScore ?? this.scoreThreshold)
      .map((d) => ({ box: offsetBox(toSourceBox(d.box, lb), origin), score: d.score, label: 'text', detector: model.info.name }))
      .sort((a, b) => b.score - a.score);
  }
}

/**
 * DB post-processing, axis-aligned: pixels above PIXEL_THRESHOLD joined into 8-connected components; each component's
 * bounding box, scored by the mean probability over it, grown by its area × UNCLIP_RATIO / perimeter on every side.
 * Boxes in map (input) pixels.
 */
export function decodeDbMap(prob: Float32Array, width: number, height: number, minScore: number): { box: Box; score: number }[] {
  const { seen, stack } = scratchFor(width * height);
  const found: { box: Box; score: number }[] = [];
  for (let start = 0; start < prob.length; start++) {
    if (seen[start] || prob[start]! <= PIXEL_THRESHOLD) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    let x1 = width;
    let y1 = height;
    let x2 = -1;
    let y2 = -1;
    while (top > 0) {
      const i = stack[--top]!;
      const x = i % width;
      const y = (i - x) / width;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      if (y > y2) y2 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (!seen[j] && prob[j]! > PIXEL_THRESHOLD) {
            seen[j] = 1;
            stack[top++] = j;
          }
        }
      }
    }
    const w = x2 - x1 + 1;
    const h = y2 - y1 + 1;
    if (Math.min(w, h) < MIN_SIDE_PX) continue;
    // Box score as DB's fast mode: the mean probability over the box (not only over the component's pixels).
    let sum = 0;
    for (let y = y1; y <= y2; y++) for (let x = x1; x <= x2; x++) sum += prob[y * width + x]!;
    const score = sum / (w * h);
    if (score < minScore) continue;
    const d = (w * h * UNCLIP_RATIO) / (2 * (w + h));
    found.push({ box: { x1: x1 - d, y1: y1 - d, x2: x2 + 1 + d, y2: y2 + 1 + d }, score });
  }
  return found;
}

/** Marks and a pixel stack for decodeDbMap, kept from one map to the next (the band's maps are ~0.3 Mpx each). */
let scratch = { seen: new Uint8Array(0), stack: new Int32Array(0) };

/** The scratch arrays for a map of `pixels`, the marks cleared. */
function scratchFor(pixels: number): { seen: Uint8Array; stack: Int32Array } {
  if (scratch.seen.length < pixels) scratch = { seen: new Uint8Array(pixels), stack: new Int32Array(pixels) };
  scratch.seen.fill(0, 0, pixels);
  return scratch;
}

/** The adapter's entry point: the manifest names it (`"adapter": "ppocrDbText"`), createDetector calls it. */
export default function create(entry: ManifestModel, options: DetectorOptions): PpocrDbText {
  return new PpocrDbText(options, entry);
}
