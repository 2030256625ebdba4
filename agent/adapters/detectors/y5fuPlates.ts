// Licence plates: HyperLPR3's y5fu at 640 on the whole frame and at 320 on vehicle crops (plates seen closer).
import { nms, type Box } from '../../core/redaction/boxes.ts';
import { letterbox, offsetBox, toSourceBox, type Letterbox } from '../../core/detection/letterbox.ts';
import type { Detection, Detector, DetectorSearch } from '../../ports/detector.ts';
import type { Frame } from '../../ports/frame.ts';
import { cropRect, letterboxTensor } from '../imageTensor.ts';
import { manifestEntry, type DetectorOptions, type ManifestModel } from '../modelFiles.ts';
import { OnnxDetector } from './onnxDetector.ts';

export const Y5FU_FRAME_MODEL = 'hyperlpr3_y5fu_640x_sim';
export const Y5FU_CROP_MODEL = 'hyperlpr3_y5fu_320x_sim';
const ROW = 15; // cx, cy, w, h, obj, 8 corner coordinates, 2 class probabilities (single/double row)

export interface Y5fuPlatesOptions extends DetectorOptions {
  /** Objectness kept from here (default 0.25). */
  readonly scoreThreshold?: number;
  /** Default 0.5. */
  readonly nmsIou?: number;
}

/**
 * One y5fu model at its fixed square input (from the manifest): the 640 one on whole frames, the 320 one on vehicle
 * crops (plates seen closer).
 */
export class Y5fuPlates extends OnnxDetector implements Detector {
  readonly job = 'plates' as const;
  readonly labels = ['plate'] as const;
  private readonly objThreshold: number;
  private readonly nmsIou: number;
  private readonly size: number;

  constructor(options: Y5fuPlatesOptions, entry: ManifestModel = manifestEntry(Y5FU_FRAME_MODEL)) {
    super(entry.name, options.modelsDir, options.threads);
    this.objThreshold = options.scoreThreshold ?? 0.25;
    this.nmsIou = options.nmsIou ?? 0.5;
    const input = entry.input;
    if (!Array.isArray(input) || typeof input[0] !== 'number') throw new Error(`${entry.name}: manifest "input" must be [size, size]`);
    this.size = input[0];
  }

  /**
   * Plates in the frame or in `search.region` of it (scaled to fit the square input). `search.zoom` below 1 shrinks
   * the picture further inside the input (centred, padded): plates that fill a good part of the frame are larger than
   * any the model was trained on.
   */
  async detect(frame: Frame, search: DetectorSearch = {}): Promise<Detection[]> {
    const model = this.loaded();
    const size = this.size;
    const crop = search.region ? cropRect(frame, search.region) : undefined;
    const lb = zoomed(letterbox(crop?.width ?? frame.width, crop?.height ?? frame.height, size, size, 'centre'), search.zoom ?? 1);
    const out = await this.runPlanar(model, size, size, (buffer) =>
      letterboxTensor(frame, lb, { order: 'rgb', scale: 1 / 255, pad: 0 }, crop, buffer),
    );
    const t = this.output(model, out);
    const origin = { x: crop?.left ?? 0, y: crop?.top ?? 0 };
    return nms(decodeY5fu(t.data as Float32Array, search.minScore ?? this.objThreshold), this.nmsIou).map((d) => ({
      box: offsetBox(toSourceBox(d.box, lb), origin),
      score: d.score,
      label: 'plate',
      detector: model.info.name,
    }));
  }
}

/** The same centred letterbox with the picture scaled by `zoom` (≤ 1) inside the unchanged input. */
function zoomed(lb: Letterbox, zoom: number): Letterbox {
  if (zoom >= 1) return lb;
  const resizedWidth = Math.max(1, Math.round(lb.resizedWidth * zoom));
  const resizedHeight = Math.max(1, Math.round(lb.resizedHeight * zoom));
  return {
    ...lb,
    scale: lb.scale * zoom,
    resizedWidth,
    resizedHeight,
    offsetX: Math.floor((lb.dstWidth - resizedWidth) / 2),
    offsetY: Math.floor((lb.dstHeight - resizedHeight) / 2),
  };
}

/** Rows of [cx, cy, w, h, obj, 8 corners, 2 classes] in input pixels; score = obj · best class. */
export function decodeY5fu(data: Float32Array, objThreshold: number): { box: Box; score: number }[] {
  if (data.length % ROW !== 0) throw new Error(`y5fu output length ${data.length} is not a multiple of ${ROW}`);
  const found: { box: Box; score: number }[] = [];
  for (let o = 0; o < data.length; o += ROW) {
    const obj = data[o + 4]!;
    if (obj <= objThreshold) continue;
    const score = obj * Math.max(data[o + 13]!, data[o + 14]!);
    const cx = data[o]!;
    const cy = data[o + 1]!;
    const w = data[o + 2]!;
    const h = data[o + 3]!;
    found.push({ box: { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 }, score });
  }
  return found;
}

/** The adapter's entry point: the manifest names it (`"adapter": "y5fuPlates"`), createDetector calls it. */
export default function create(entry: ManifestModel, options: DetectorOptions): Y5fuPlates {
  return new Y5fuPlates(options, entry);
}
