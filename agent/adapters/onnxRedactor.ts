// Redactor on ONNX models: finds faces and plates, blurs them and every person's head, encodes a clean JPEG, in time.
import sharp from 'sharp';
import { checkDeadline, DeadlineExceededError } from '../core/deadline.ts';
import { boxHeight, clipBox } from '../core/boxes.ts';
import { cabinZones } from '../core/cabinZone.ts';
import { applyRecheck, DEFAULT_FACE_RECHECK_OPTIONS, recheckCrops, recheckedScore, type FaceRecheckOptions } from '../core/faceRecheck.ts';
import { columnTiles } from '../core/letterbox.ts';
import {
  mergeCascadeObjects,
  planRedaction,
  vehicleCrops,
  type RedactionPlanOptions,
  type VehicleCropOptions,
} from '../core/redactionPlan.ts';
import type { Detection, ModelInfo, RedactedImage, Redactor } from '../ports/detector.ts';
import type { Frame } from '../ports/frame.ts';
import { obscureRegions, type ObscureStyle } from './sharpObscure.ts';
import { Y5fuPlates } from './y5fuPlates.ts';
import { YoloxDetector } from './yoloxDetector.ts';
import { YunetFaces } from './yunetFaces.ts';

export interface OnnxRedactorOptions {
  readonly modelsDir: string;
  readonly threads: number;
  /** JPEG quality of the redacted output (1–100). */
  readonly jpegQuality: number;
  /**
   * Long side of the face model's input for the whole frame (default 1920: full resolution on 1080p; street faces
   * are mostly under 20 px and halving the frame loses half of them).
   */
  readonly faceLongSide?: number;
  /**
   * Lowest face score YuNet reports (default 0.15). Faces from here up to plan.faceAloneMinScore (0.3) are blurred
   * only inside a person box or a vehicle's cabin: on dashcam-dev that finds 6 more faces in 138 (4 of them ≥ 20 px)
   * for +0.6 % over-blur, where 0.15 everywhere cost +1.7 %.
   */
  readonly faceScoreThreshold?: number;
  /**
   * Second look at weak small faces, each cut out with context and enlarged to `faceRecheckInputPx` (see
   * core/faceRecheck.ts). minScore 0 turns it off.
   */
  readonly faceRecheck?: Partial<FaceRecheckOptions>;
  /**
   * Search the window band of each near vehicle (plan.cabinZone geometry, at most `cabinSearchMax`, largest first)
   * again for faces, enlarged so its long side is `cabinSearchLongSide` px (default 0 = off).
   */
  readonly cabinSearchLongSide?: number;
  readonly cabinSearchMax?: number;
  readonly cabinSearchMinVehiclePx?: number;
  /** Side of the enlarged cut-outs (default 192: a 12-px face with 8× context becomes 24 px). */
  readonly faceRecheckInputPx?: number;
  /** Plate objectness threshold (default 0.25). */
  readonly plateObjThreshold?: number;
  /** Search each vehicle box again for plates at close range (default true). */
  readonly vehiclePlates?: boolean;
  /**
   * Own person/vehicle search in this many full-height column tiles (default 2; 0 = only the objects passed in).
   * A 416-px model over a whole 1080p frame misses persons under ~60 px, whose heads then go unblurred.
   */
  readonly objectTiles?: number;
  /** Score threshold of that search (default 0.15: a missed head costs more than a blurred patch of wall). */
  readonly objectTileScoreThreshold?: number;
  /**
   * A frame whose redaction (detection, blur, encoding) runs past this many ms is dropped: the redactor throws
   * DeadlineExceededError. No deadline when absent.
   */
  readonly deadlineMs?: number;
  /** How regions are obscured (default 'blur': heavy Gaussian; 'fill': solid mean colour). */
  readonly style?: ObscureStyle;
  readonly plan?: Partial<RedactionPlanOptions>;
  readonly vehicleCrop?: Partial<VehicleCropOptions>;
}

export class OnnxRedactor implements Redactor {
  private faces: YunetFaces | null = null;
  private plates: Y5fuPlates | null = null;
  private objects: YoloxDetector | null = null;

  private readonly recheck: FaceRecheckOptions;
  private readonly faceKeepScore: number;

  constructor(private readonly options: OnnxRedactorOptions) {
    this.faceKeepScore = options.faceScoreThreshold ?? 0.15;
    this.recheck = { ...DEFAULT_FACE_RECHECK_OPTIONS, maxScore: options.plan?.faceAloneMinScore ?? DEFAULT_FACE_RECHECK_OPTIONS.maxScore, ...options.faceRecheck };
  }

  get models(): readonly ModelInfo[] {
    return [...(this.faces?.models ?? []), ...(this.plates?.models ?? []), ...(this.objects?.models ?? [])];
  }

  async start(): Promise<void> {
    const { modelsDir, threads } = this.options;
    const faces = new YunetFaces({
      modelsDir,
      threads,
      longSide: this.options.faceLongSide ?? 1920,
      scoreThreshold: Math.min(this.faceKeepScore, this.recheck.minScore > 0 ? this.recheck.minScore : 1),
    });
    const plates = new Y5fuPlates({ modelsDir, threads, objThreshold: this.options.plateObjThreshold });
    const tiles = this.options.objectTiles ?? 2;
    const objects =
      tiles > 0
        ? new YoloxDetector({ modelsDir, threads, scoreThreshold: this.options.objectTileScoreThreshold ?? 0.15 })
        : null;
    await faces.start();
    await plates.start();
    await objects?.start();
    this.faces = faces;
    this.plates = plates;
    this.objects = objects;
  }

  async stop(): Promise<void> {
    const { faces, plates, objects } = this;
    this.faces = this.plates = this.objects = null;
    try {
      await objects?.stop();
    } finally {
      try {
        await plates?.stop();
      } finally {
        await faces?.stop();
      }
    }
  }

  /** Faces of the whole frame, weak small ones confirmed (or not) by a second, enlarged look. */
  private async findFaces(model: YunetFaces, frame: Frame): Promise<Detection[]> {
    const first = await model.detect(frame);
    const crops = recheckCrops(first, frame.width, frame.height, this.recheck);
    const found = await model.detectInCrops(frame, crops.map((c) => c.crop), this.options.faceRecheckInputPx ?? 192);
    const second = new Map(crops.map((c, n) => [c.face, recheckedScore(c.face.box, found[n]!)] as const));
    return applyRecheck(first, second, this.faceKeepScore, this.recheck.acceptScore);
  }

  /** Fails closed: any error (not started, bad frame, inference) rejects, and the caller drops the frame. */
  async redact(frame: Frame, given: readonly Detection[]): Promise<RedactedImage> {
    const started = performance.now();
    const { faces: faceModel, plates: plateModel, objects: objectModel } = this;
    if (!faceModel || !plateModel) throw new Error('OnnxRedactor.redact() called before start()');
    const deadline = (stage: string) => checkDeadline(performance.now() - started, this.options.deadlineMs, stage);
    try {
      const passes: Detection[][] = [[...given]];
      if (objectModel) {
        for (const tile of columnTiles(frame.width, frame.height, this.options.objectTiles ?? 2, 0.1)) {
          passes.push(await objectModel.detect(frame, tile));
          deadline('object tiles');
        }
      }
      const objects = mergeCascadeObjects(passes);
      // One model at a time: each already uses every thread it was given.
      const faces = await this.findFaces(faceModel, frame);
      deadline('faces');
      const cabinSide = this.options.cabinSearchLongSide ?? 0;
      if (cabinSide > 0) {
        const zones = cabinZones(objects, { ...this.options.plan?.cabinZone, minVehicleHeightPx: this.options.cabinSearchMinVehiclePx ?? 60 })
          .sort((a, b) => boxHeight(b.vehicle.box) - boxHeight(a.vehicle.box))
          .slice(0, this.options.cabinSearchMax ?? 4);
        for (const { zone } of zones) {
          const region = clipBox(zone, frame.width, frame.height);
          if (region) faces.push(...(await faceModel.detect(frame, { region, longSide: cabinSide })).filter((f) => f.score >= this.faceKeepScore));
        }
        deadline('cabin faces');
      }
      const plates = await plateModel.detectFrame(frame);
      deadline('plates');
      if (this.options.vehiclePlates ?? true) {
        for (const crop of vehicleCrops(objects, frame.width, frame.height, this.options.vehicleCrop)) {
          plates.push(...(await plateModel.detectCrop(frame, crop)));
          deadline('vehicle plates');
        }
      }
      const regions = planRedaction(
        { width: frame.width, height: frame.height, faces, plates, objects },
        this.options.plan,
      );
      // Blur a copy: the caller's frame stays as captured (it may still be judged for task targets).
      const pixels = Buffer.from(frame.data);
      await obscureRegions(pixels, frame.width, frame.height, regions.map((r) => r.box), this.options.style ?? 'blur');
      // sharp writes no metadata unless asked (keepMetadata/withMetadata), and a raw input has none to carry.
      const jpeg = await sharp(pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } })
        .jpeg({ quality: this.options.jpegQuality })
        .toBuffer();
      deadline('encoding');
      return {
        jpeg,
        regions,
        faces: faces.length,
        plates: plates.length,
        ms: performance.now() - started,
      };
    } catch (err) {
      if (err instanceof DeadlineExceededError) throw err;
      throw new Error(`redaction failed, frame must be dropped: ${(err as Error).message}`, { cause: err });
    }
  }
}
