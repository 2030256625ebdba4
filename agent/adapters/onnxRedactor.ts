// Redactor on ONNX models: finds faces and plates, blurs them and every person's head, encodes a clean JPEG, in time.
import sharp from 'sharp';
import { checkDeadline, DeadlineExceededError } from '../core/redaction/deadline.ts';
import { boxHeight, nms } from '../core/redaction/boxes.ts';
import { columnTiles } from '../core/detection/letterbox.ts';
import {
  mergeCascadeObjects,
  planRedaction,
  vehicleCrops,
  type RedactionPlanOptions,
  type VehicleCropOptions,
} from '../core/redaction/redactionPlan.ts';
import type { Detection, ModelInfo, RedactedImage, Redactor } from '../ports/detector.ts';
import type { Frame } from '../ports/frame.ts';
import { obscureRegions, type ObscureStyle } from './sharpObscure.ts';
import { Y5fuPlates } from './y5fuPlates.ts';
import { YoloxDetector } from './yoloxDetector.ts';
import { WorkerFaces } from './workerFaces.ts';
import { YunetFaces, type FaceSearch } from './yunetFaces.ts';

export interface OnnxRedactorOptions {
  readonly modelsDir: string;
  readonly threads: number;
  /** JPEG quality of the redacted output (1–100). */
  readonly jpegQuality: number;
  /**
   * Long side of the face model's input for the whole frame (default 960: half size on 1080p). That pass finds the
   * faces larger than the band keeps (faceBandMaxPx) and those away from the horizon, which from a street vehicle are
   * near and large; the small far ones are the band's. At full size (1920) the same faces cost ~17 ms more inference.
   */
  readonly faceLongSide?: number;
  /**
   * Lowest face score YuNet reports (default 0.05). Hits from here up to plan.faceSupportedMinScore (0.15) are never
   * blurred as faces: clustered in a vehicle's window band they mark an occupant behind glass (core/cabinZone.ts).
   * From 0.15 up to plan.faceAloneMinScore (0.3) a face is blurred only inside a person box or a vehicle's cabin.
   */
  readonly faceScoreThreshold?: number;
  /**
   * Search this horizontal band of the frame (shares of its height, from the top) again at `faceBandScale` × full
   * size: from a camera at about head height every pedestrian's head is near the horizon, which a fixed mount keeps
   * at the same rows, and far ones are under 20 px there. Default rows 0.35–0.68; null turns it off (then raise
   * faceLongSide: at 960 the whole-frame pass alone loses most faces under 20 px).
   */
  readonly faceBand?: { readonly top: number; readonly bottom: number } | null;
  readonly faceBandScale?: number;
  /** Faces from the band taller than this (frame pixels) are dropped (default 48). */
  readonly faceBandMaxPx?: number;
  /**
   * The band goes to the face model in this many side-by-side parts (default 2), overlapping by twice faceBandMaxPx
   * so that every face it keeps lies whole in one part: onnxruntime's memory for a run grows with the input.
   */
  readonly faceBandParts?: number;
  /** How far (frame pixels) each band part reaches past its share into the next (default 2 × faceBandMaxPx). */
  readonly faceBandOverlapPx?: number;
  /**
   * Frames with a long side up to this (default 1280) get a second plate pass at half the size: on a low-resolution
   * camera a car right in front shows a plate larger than the plate model knows. A 1080p frame is already shrunk 3×
   * for that model, so it skips this pass.
   */
  readonly closePlateMaxFrameSide?: number;
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
  /**
   * Run the face search (on a worker thread of its own) at the same time as the object → plate searches, and cut
   * every input ahead (default true). Off, the face model runs on the main thread and every model alone, one after
   * the other: slower, but each model call's time is then its own (the bench's inference floor).
   */
  readonly concurrentLanes?: boolean;
  readonly plan?: Partial<RedactionPlanOptions>;
  readonly vehicleCrop?: Partial<VehicleCropOptions>;
}

/** Runs `work` on every item: all at once (lanes concurrent) or one after the other; results in order. */
type Each = <T, R>(items: readonly T[], work: (item: T) => Promise<R>) => Promise<R[]>;

/** Rows of a 1080p dashcam frame where far pedestrians' heads are (dashcam-dev: faces under 20 px lie there). */
const DEFAULT_FACE_BAND = { top: 0.35, bottom: 0.68 } as const;

export class OnnxRedactor implements Redactor {
  private faces: YunetFaces | WorkerFaces | null = null;
  private plates: Y5fuPlates | null = null;
  private objects: YoloxDetector | null = null;

  constructor(private readonly options: OnnxRedactorOptions) {}

  get models(): readonly ModelInfo[] {
    return [...(this.faces?.models ?? []), ...(this.plates?.models ?? []), ...(this.objects?.models ?? [])];
  }

  async start(): Promise<void> {
    const { modelsDir, threads } = this.options;
    // No frame is ever read twice: libvips' operation cache would only hold on to memory (~35 MB here).
    sharp.cache(false);
    const faceOptions = {
      modelsDir,
      threads,
      longSide: this.options.faceLongSide ?? 960,
      scoreThreshold: this.options.faceScoreThreshold ?? 0.05,
    };
    const faces = (this.options.concurrentLanes ?? true) ? new WorkerFaces(faceOptions) : new YunetFaces(faceOptions);
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

  /**
   * Faces of the whole frame, and small ones of the horizon band searched again enlarged. The band goes to the model
   * in side-by-side parts that overlap: onnxruntime's memory for a run grows with the input, and a part takes about
   * half of what the whole band at once would. All inputs
   * are asked for at once (lanes concurrent), so the face model's thread resizes the next one while the model runs on
   * the one before.
   */
  private async findFaces(model: YunetFaces | WorkerFaces, frame: Frame, each: Each): Promise<Detection[]> {
    const band = this.options.faceBand === undefined ? DEFAULT_FACE_BAND : this.options.faceBand;
    const maxPx = this.options.faceBandMaxPx ?? 48;
    const scale = this.options.faceBandScale ?? 2;
    if (!band) return model.detect(frame);
    const y1 = Math.round(band.top * frame.height);
    const y2 = Math.round(band.bottom * frame.height);
    const parts = bandParts(frame.width, this.options.faceBandParts ?? 2, this.options.faceBandOverlapPx ?? 2 * maxPx);
    const searches: FaceSearch[] = [
      {},
      ...parts.map((p) => ({ region: { x1: p.x1, y1, x2: p.x2, y2 }, longSide: scale * (p.x2 - p.x1) })),
    ];
    const [faces, ...found] = await each(searches, (search) => model.detect(frame, search));
    // Only small faces: larger ones the whole-frame pass sees, and enlarged texture makes large false faces. A face
    // in the overlap of two parts is found twice: the better hit stays.
    const small = nms(found.flat().filter((f) => boxHeight(f.box) <= maxPx), 0.3);
    return [...faces!, ...small];
  }

  /** Fails closed: any error (not started, bad frame, inference) rejects, and the caller drops the frame. */
  async redact(frame: Frame, given: readonly Detection[]): Promise<RedactedImage> {
    const started = performance.now();
    const { faces: faceModel, plates: plateModel, objects: objectModel } = this;
    if (!faceModel || !plateModel) throw new Error('OnnxRedactor.redact() called before start()');
    const stagesMs: Record<string, number> = {};
    /** Runs one stage, adds its wall time to stagesMs, then drops the frame if the deadline has passed. */
    const stage = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      const out = await work();
      stagesMs[name] = (stagesMs[name] ?? 0) + performance.now() - t;
      checkDeadline(performance.now() - started, this.options.deadlineMs, name);
      return out;
    };
    // onnxruntime-node runs a model on the calling JS thread, one call at a time; sharp resizes on threads of its own;
    // the face model has a worker thread to itself. So the searches below are started together: the face model runs
    // while the object and plate models run here, and every input that can be cut and resized already is while the
    // model before it runs. Off (concurrentLanes: false), each step waits for the one before.
    const concurrent = this.options.concurrentLanes ?? true;
    const each: Each = (items, work) =>
      concurrent ? allSettledOrThrow(items.map(work)) : sequentially(items, work);
    /** `work` now, or (not concurrent) once `before` has settled. */
    const after = <R>(before: Promise<unknown>, work: () => Promise<R>): Promise<R> =>
      concurrent ? work() : before.then(work, work);
    try {
      // Faces need nothing but the frame; plates need the vehicles of the object search.
      const platesLane = (async () => {
        const tiles = objectModel ? columnTiles(frame.width, frame.height, this.options.objectTiles ?? 2, 0.1) : [];
        const tileSearch = stage('object tiles', () => each(tiles, (tile) => objectModel!.detect(frame, tile)));
        const [tileObjects, framePlates] = await bothSettled(
          tileSearch,
          after(tileSearch, () => stage('plates', () => plateModel.detectFrame(frame))),
        );
        const objects = mergeCascadeObjects([[...given], ...tileObjects]);
        const plates = [...framePlates];
        if (Math.max(frame.width, frame.height) <= (this.options.closePlateMaxFrameSide ?? 1280)) {
          // Small frames: a car right in front shows a plate larger than the model knows; look again at half size.
          plates.push(...(await stage('plates', () => plateModel.detectFrame(frame, 0.5))));
        }
        if (this.options.vehiclePlates ?? true) {
          const crops = vehicleCrops(objects, frame.width, frame.height, this.options.vehicleCrop);
          const found = await stage('vehicle plates', () => each(crops, (crop) => plateModel.detectCrop(frame, crop)));
          for (const f of found) plates.push(...f);
        }
        return { objects, plates };
      })();
      // Both settled before going on: a failed lane must not leave the other running on into the next frame.
      const [faces, { objects, plates }] = await bothSettled(
        after(platesLane, () => stage('faces', () => this.findFaces(faceModel, frame, each))),
        platesLane,
      );
      const regions = planRedaction(
        { width: frame.width, height: frame.height, faces, plates, objects },
        this.options.plan,
      );
      // Blur a copy: the caller's frame stays as captured (it may still be judged for task targets).
      const pixels = Buffer.from(frame.data);
      await stage('blur', () =>
        obscureRegions(pixels, frame.width, frame.height, regions.map((r) => r.box), this.options.style ?? 'blur'),
      );
      // sharp writes no metadata unless asked (keepMetadata/withMetadata), and a raw input has none to carry.
      const jpeg = await stage('encoding', () =>
        sharp(pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } })
          .jpeg({ quality: this.options.jpegQuality })
          .toBuffer(),
      );
      return {
        jpeg,
        regions,
        // What was blurred, not what the models hinted: weak face hits that only guide occupant patches are not faces.
        faces: regions.filter((r) => r.kind === 'face').length,
        plates: regions.filter((r) => r.kind === 'plate').length,
        ms: performance.now() - started,
        stagesMs,
      };
    } catch (err) {
      if (err instanceof DeadlineExceededError) throw err;
      throw new Error(`redaction failed, frame must be dropped: ${(err as Error).message}`, { cause: err });
    }
  }
}

/**
 * Columns [x1, x2) of `count` side-by-side parts of a frame `width` wide, overlapping by 2 × `overlapPx` (a face up to
 * that wide lies whole in one part). Edges fall on multiples of 16 px, so that at 2× the model's stride grid (up to
 * 32) falls on the same frame pixels in every part as on the whole band.
 */
export function bandParts(width: number, count: number, overlapPx: number): { x1: number; x2: number }[] {
  const n = Math.max(1, Math.floor(count));
  const snap = (x: number) => Math.min(width, Math.max(0, Math.round(x / 16) * 16));
  const out: { x1: number; x2: number }[] = [];
  for (let i = 0; i < n; i++) {
    const x1 = i === 0 ? 0 : snap((i * width) / n - overlapPx);
    const x2 = i === n - 1 ? width : snap(((i + 1) * width) / n + overlapPx);
    out.push({ x1, x2 });
  }
  return out;
}

/** Both results once both have settled; the first rejection, if any, after both have. */
async function bothSettled<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}

/** All results in order once every promise has settled; the first rejection, if any, after all have. */
async function allSettledOrThrow<R>(promises: readonly Promise<R>[]): Promise<R[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<R>).value);
}

async function sequentially<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await work(item));
  return out;
}
