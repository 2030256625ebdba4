// What every ONNX detector adapter shares: its session's life (load after the sha256 check, release on close), the
// reused input buffers, and running one float32 NCHW input.
import * as ort from 'onnxruntime-node';
import { fitToMultiple, type Letterbox } from '../../core/detection/letterbox.ts';
import type { DetectorSearch, ModelInfo } from '../../ports/detector.ts';
import type { Frame } from '../../ports/frame.ts';
import { cropRect, TensorBuffers } from '../imageTensor.ts';
import { loadSession, type LoadedModel } from '../modelFiles.ts';

export abstract class OnnxDetector {
  private model: LoadedModel | null = null;
  private readonly tensors: TensorBuffers;

  protected constructor(
    /** The manifest's name of the model this adapter runs. */
    protected readonly modelName: string,
    private readonly modelsDir: string,
    private readonly threads: number,
    /** Inputs of the same size take turns with one buffer (see TensorBuffers): for a model on a thread of its own. */
    oneBufferPerSize = false,
  ) {
    this.tensors = new TensorBuffers(oneBufferPerSize);
  }

  get models(): readonly ModelInfo[] {
    return this.model ? [this.model.info] : [];
  }

  async start(): Promise<void> {
    this.model = await loadSession(this.modelsDir, this.modelName, this.threads);
  }

  async close(): Promise<void> {
    const m = this.model;
    this.model = null;
    await m?.session.release();
  }

  /** The loaded model; detect() before start() (or after close()) is a programming error. */
  protected loaded(): LoadedModel {
    if (!this.model) throw new Error(`${this.modelName}: detect() called before start()`);
    return this.model;
  }

  /**
   * Runs the model on one [1, 3, height, width] float input that `fill` writes into a reused buffer (every value of
   * it: the buffer holds the previous input), and returns the outputs by name.
   */
  protected async runPlanar(
    model: LoadedModel,
    width: number,
    height: number,
    fill: (buffer: Float32Array) => Promise<Float32Array>,
  ): Promise<Record<string, ort.Tensor>> {
    return this.tensors.with(3 * width * height, async (buffer) => {
      const data = await fill(buffer);
      const input = new ort.Tensor('float32', data, [1, 3, height, width]);
      return model.session.run({ [model.session.inputNames[0]!]: input });
    });
  }

  /** The named output (default: the first), or an error naming the model and the output. */
  protected output(model: LoadedModel, result: Record<string, ort.Tensor>, name = model.session.outputNames[0]!): ort.Tensor {
    const t = result[name];
    if (!t) throw new Error(`${model.info.name} returned no output ${name}`);
    return t;
  }
}

/**
 * For models of dynamic input size: the frame, or `search.region` of it, scaled so its long side is
 * `search.longSide` (else `defaultLongSide`; never more than 4× the source), both sides multiples of 32.
 */
export function scaledInput(frame: Frame, search: DetectorSearch, defaultLongSide: number): { crop: ReturnType<typeof cropRect> | undefined; lb: Letterbox } {
  const crop = search.region ? cropRect(frame, search.region) : undefined;
  const srcW = crop?.width ?? frame.width;
  const srcH = crop?.height ?? frame.height;
  const longSide = Math.min(search.longSide ?? defaultLongSide, 4 * Math.max(srcW, srcH));
  return { crop, lb: fitToMultiple(srcW, srcH, Math.max(32, Math.round(longSide)), 32) };
}
