// Licence plates: HyperLPR3's y5fu at 640 on the whole frame and at 320 on vehicle crops (plates seen closer).
import * as ort from 'onnxruntime-node';
import { nms, type Box } from '../core/redaction/boxes.ts';
import { letterbox, offsetBox, toSourceBox, type Letterbox } from '../core/detection/letterbox.ts';
import type { Detection, ModelInfo } from '../ports/detector.ts';
import type { Frame } from '../ports/frame.ts';
import { cropRect, letterboxTensor, TensorBuffers } from './imageTensor.ts';
import { loadSession, type LoadedModel } from './modelFiles.ts';

export const Y5FU_FRAME_MODEL = 'hyperlpr3_y5fu_640x_sim';
export const Y5FU_CROP_MODEL = 'hyperlpr3_y5fu_320x_sim';
const ROW = 15; // cx, cy, w, h, obj, 8 corner coordinates, 2 class probabilities (single/double row)

export interface Y5fuPlatesOptions {
  readonly modelsDir: string;
  readonly threads: number;
  /** Objectness kept from here (default 0.25). */
  readonly objThreshold?: number;
  /** Default 0.5. */
  readonly nmsIou?: number;
}

export class Y5fuPlates {
  private frameModel: LoadedModel | null = null;
  private cropModel: LoadedModel | null = null;
  private readonly tensors = new TensorBuffers();
  private readonly objThreshold: number;
  private readonly nmsIou: number;

  constructor(private readonly options: Y5fuPlatesOptions) {
    this.objThreshold = options.objThreshold ?? 0.25;
    this.nmsIou = options.nmsIou ?? 0.5;
  }

  get models(): readonly ModelInfo[] {
    return [this.frameModel, this.cropModel].filter((m): m is LoadedModel => m !== null).map((m) => m.info);
  }

  async start(): Promise<void> {
    this.frameModel = await loadSession(this.options.modelsDir, Y5FU_FRAME_MODEL, this.options.threads);
    this.cropModel = await loadSession(this.options.modelsDir, Y5FU_CROP_MODEL, this.options.threads);
  }

  async stop(): Promise<void> {
    const models = [this.frameModel, this.cropModel];
    this.frameModel = this.cropModel = null;
    for (const m of models) await m?.session.release();
  }

  /**
   * Plates anywhere in the frame (640×640 input). `zoom` below 1 shrinks the frame further inside the input (centred,
   * padded): plates that fill a good part of the frame are larger than any the model was trained on.
   */
  async detectFrame(frame: Frame, zoom = 1): Promise<Detection[]> {
    if (!this.frameModel) throw new Error('Y5fuPlates.detectFrame() called before start()');
    return this.run(this.frameModel, 640, frame, undefined, zoom);
  }

  /** Plates inside `region` (frame pixels), typically a vehicle box; the crop is scaled to fit 320×320. */
  async detectCrop(frame: Frame, region: Box): Promise<Detection[]> {
    if (!this.cropModel) throw new Error('Y5fuPlates.detectCrop() called before start()');
    return this.run(this.cropModel, 320, frame, region);
  }

  private async run(model: LoadedModel, size: number, frame: Frame, region?: Box, zoom = 1): Promise<Detection[]> {
    const crop = region ? cropRect(frame, region) : undefined;
    const lb = zoomed(letterbox(crop?.width ?? frame.width, crop?.height ?? frame.height, size, size, 'centre'), zoom);
    const out = await this.tensors.with(3 * size * size, async (buffer) => {
      const data = await letterboxTensor(frame, lb, { order: 'rgb', scale: 1 / 255, pad: 0 }, crop, buffer);
      const input = new ort.Tensor('float32', data, [1, 3, size, size]);
      return model.session.run({ [model.session.inputNames[0]!]: input });
    });
    const t = out[model.session.outputNames[0]!];
    if (!t) throw new Error(`${model.info.name} returned no output`);
    const origin = { x: crop?.left ?? 0, y: crop?.top ?? 0 };
    return nms(decodeY5fu(t.data as Float32Array, this.objThreshold), this.nmsIou).map((d) => ({
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
