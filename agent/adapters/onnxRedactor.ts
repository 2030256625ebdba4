// Redactor on ONNX models: finds faces and plates, blurs them and every person's head, encodes a clean JPEG, in time.
import sharp from 'sharp';
import { checkDeadline, DeadlineExceededError } from '../core/redaction/deadline.ts';
import { boxHeight, nms, type Box } from '../core/redaction/boxes.ts';
import { columnTiles } from '../core/detection/letterbox.ts';
import { mergeCascadeObjects, planRedaction, vehicleCrops, type PlanInput } from '../core/redaction/redactionPlan.ts';
import { centreInside, plateTextRegion } from '../core/redaction/textPlates.ts';
import type { RedactionSettings } from '../core/redaction/redactionSettings.ts';
import { resolveFaceBand, resolveTextBand } from '../core/redaction/frameRows.ts';
import type { CameraGeometry } from '../core/geometry/cameraGeometry.ts';
import type { Detection, Detector, DetectorSearch, FaceDetector, ModelInfo, RedactedImage, Redactor } from '../ports/detector.ts';
import type { Frame } from '../ports/frame.ts';
import { obscureRegions } from './sharpObscure.ts';
import { searchBandPlates } from './bandPlateSearch.ts';

/** The detectors a redactor runs; built by createRedactor (createRedactor.ts), the only place that does. */
export interface RedactorDetectors {
  readonly faces: FaceDetector;
  readonly plates: Detector;
  readonly vehiclePlates: Detector;
  /** Scene text on vehicle crops (plates of any country); null: none. */
  readonly text: Detector | null;
  /** Persons and vehicles for the cascades (head regions, plate searches); null: only the objects passed in. */
  readonly objects: Detector | null;
}

/** Runs `work` on every item: all at once (lanes concurrent) or one after the other; results in order. */
type Each = <T, R>(items: readonly T[], work: (item: T) => Promise<R>) => Promise<R[]>;

/**
 * Finds faces and plates and blurs them, every person's head, occupants behind glass and plate zones of far
 * vehicles; encodes a clean JPEG, in time, or throws (fail closed).
 */
export class OnnxRedactor implements Redactor {
  private started = false;
  /** Lab tools (eval's replan) may keep what each plan was made from; the agent never sets it. */
  onPlanInput: ((input: PlanInput) => void) | null = null;
  /**
   * The copy of the last frame that was blurred and encoded, kept to take the next frame of the same size: a new
   * 6 MB buffer per 1080p frame costs its page faults and waits for a garbage collection to be freed.
   */
  private spareCopy: Buffer | null = null;

  /**
   * `owned`: the detectors this redactor starts and closes; the others (a shared object detector) belong to whoever
   * passed them in and are started and closed by them.
   */
  constructor(
    private readonly settings: RedactionSettings,
    private readonly detectors: RedactorDetectors,
    private readonly owned: readonly Detector[],
    /** How the camera sits (config `camera`): places the face and text bands; null: the fallback rows. */
    private readonly camera: CameraGeometry | null = null,
  ) {}

  get models(): readonly ModelInfo[] {
    if (!this.started) return [];
    const { faces, plates, vehiclePlates, text, objects } = this.detectors;
    return [faces, plates, vehiclePlates, text, objects].flatMap((d) => d?.models ?? []);
  }

  async start(): Promise<void> {
    // No frame is ever read twice: libvips' operation cache would only hold on to memory (~35 MB here).
    sharp.cache(false);
    const started: Detector[] = [];
    try {
      for (const d of this.owned) {
        await d.start();
        started.push(d);
      }
    } catch (err) {
      for (const d of started.reverse()) await d.close().catch(() => undefined);
      throw err;
    }
    this.started = true;
  }

  /** Releases every model session this redactor holds and terminates the face worker thread. */
  async close(): Promise<void> {
    const wasStarted = this.started;
    this.started = false;
    if (!wasStarted) return;
    const errors: unknown[] = [];
    for (const d of [...this.owned].reverse()) await d.close().catch((err: unknown) => errors.push(err));
    if (errors.length) throw errors[0];
  }

  /** The same as close(). */
  stop(): Promise<void> {
    return this.close();
  }

  /**
   * Faces of the whole frame, and small ones of the horizon band searched again enlarged. The band goes to the model
   * in side-by-side parts that overlap: onnxruntime's memory for a run grows with the input, and a part takes about
   * half of what the whole band at once would. All inputs
   * are asked for at once (lanes concurrent), so the face model's thread resizes the next one while the model runs on
   * the one before.
   */
  private async findFaces(model: FaceDetector, frame: Frame, given: readonly Detection[], each: Each): Promise<Detection[]> {
    const f = this.settings.faces;
    const maxPx = f.bandMaxPx;
    const scale = f.bandScale;
    const whole: DetectorSearch = { longSide: f.longSide };
    if (!f.bandSearch) return model.detect(frame, whole);
    // The configured rows, else where the camera geometry puts far faces on this frame (core/redaction/frameRows.ts).
    const { y1, y2 } = resolveFaceBand(f.band, this.camera, this.settings.geometry, frame.width, frame.height, maxPx, given);
    if (y2 <= y1) return model.detect(frame, whole);
    const parts = bandParts(frame.width, f.bandParts, f.bandOverlapPx ?? 2 * maxPx);
    const searches: DetectorSearch[] = [
      whole,
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
    if (!this.started) throw new Error('OnnxRedactor.redact() called before start() or after close()');
    const { faces: faceModel, plates: plateModel, vehiclePlates: cropModel, text: textModel, objects: objectModel } = this.detectors;
    const o = this.settings;
    const stagesMs: Record<string, number> = {};
    /** Runs one stage, adds its wall time to stagesMs, then drops the frame if the deadline has passed. */
    const stage = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      const out = await work();
      stagesMs[name] = (stagesMs[name] ?? 0) + performance.now() - t;
      checkDeadline(performance.now() - started, o.deadlineMs, name);
      return out;
    };
    // onnxruntime-node runs a model on the calling JS thread, one call at a time; sharp resizes on threads of its own;
    // the face model has a worker thread to itself. So the searches below are started together: the face model runs
    // while the object and plate models run here, and every input that can be cut and resized already is while the
    // model before it runs. Off (concurrentLanes: false), each step waits for the one before.
    const concurrent = o.concurrentLanes;
    const each: Each = (items, work) =>
      concurrent ? allSettledOrThrow(items.map(work)) : sequentially(items, work);
    /** `work` now, or (not concurrent) once `before` has settled. */
    const after = <R>(before: Promise<unknown>, work: () => Promise<R>): Promise<R> =>
      concurrent ? work() : before.then(work, work);
    try {
      // Faces need nothing but the frame; plates need the vehicles of the object search.
      const platesLane = (async () => {
        const tiles = objectModel && o.objects.tiles > 0 ? columnTiles(frame.width, frame.height, o.objects.tiles, 0.1) : [];
        const minScore = o.objects.tileScoreThreshold;
        const tileSearch = stage('object tiles', () => each(tiles, (region) => objectModel!.detect(frame, { region, minScore })));
        const [tileObjects, framePlates] = await bothSettled(
          tileSearch,
          after(tileSearch, () => stage('plates', () => plateModel.detect(frame))),
        );
        const objects = mergeCascadeObjects([[...given], ...tileObjects]);
        const plates = [...framePlates];
        const text: Detection[] = [];
        if (Math.max(frame.width, frame.height) <= o.plates.closePlateMaxFrameSide) {
          // Small frames: a car right in front shows a plate larger than the model knows; look again at half size.
          plates.push(...(await stage('plates', () => plateModel.detect(frame, { zoom: 0.5 }))));
        }
        if (o.plates.vehicleCrops) {
          const crops = vehicleCrops(objects, frame.width, frame.height, o.vehicleCrop);
          const found = await stage('vehicle plates', () => each(crops, (region) => cropModel.detect(frame, { region })));
          for (const f of found) plates.push(...f);
          if (textModel) {
            // Text only where the plate model found no plate: it is the second view, for plates the model misses.
            const textCrops = crops
              .filter((c) => boxHeight(c) >= o.text.minVehicleHeightShare * frame.height && (!o.text.onlyWithoutPlate || !plates.some((p) => centreInside(p.box, c))))
              .slice(0, o.text.maxCrops);
            const lines = await stage('vehicle text', () =>
              each(textCrops, (crop) => {
                // Only the crop's lower part, where a plate line can be, at the scale the whole crop would have.
                const longSide = textCropLongSide(crop, o.text);
                const region = o.text.lowerPartOnly ? plateTextRegion(crop, objects, o.plan.textPlate, o.text.band.cutEdgePx) : crop;
                if (region === crop) return textModel.detect(frame, { region, longSide });
                const scale = longSide / Math.max(crop.x2 - crop.x1, crop.y2 - crop.y1);
                return textModel.detect(frame, { region, longSide: scale * Math.max(region.x2 - region.x1, region.y2 - region.y1) });
              }),
            );
            for (const l of lines) text.push(...l);
          }
        }
        if (textModel && o.text.bandSearch) {
          const band = resolveTextBand(o.text.band, this.camera, o.geometry, frame.width, frame.height, objects);
          const found = { plates: plates.map((p) => p.box), objects, vehicleText: text, textPlate: o.plan.textPlate };
          plates.push(...(await stage('band text', () => searchBandPlates(frame, textModel, cropModel, found, band))).plates);
        }
        return { objects, plates, text };
      })();
      // Both settled before going on: a failed lane must not leave the other running on into the next frame.
      const [faces, { objects, plates, text }] = await bothSettled(
        after(platesLane, () => stage('faces', () => this.findFaces(faceModel, frame, given, each))),
        platesLane,
      );
      const planInput: PlanInput = { width: frame.width, height: frame.height, faces, plates, objects, text, calibration: faceModel.calibration };
      this.onPlanInput?.(planInput);
      const regions = planRedaction(planInput, o.plan);
      // Blur a copy: the caller's frame stays as captured (it may still be judged for task targets). Every byte of
      // the copy is written from this frame before it is blurred; it goes back for the next frame once encoded.
      const spare = this.spareCopy?.length === frame.data.length ? this.spareCopy : null;
      this.spareCopy = null;
      const pixels = spare ? (spare.set(frame.data), spare) : Buffer.from(frame.data);
      let jpeg: Buffer;
      try {
        await stage('blur', () =>
          obscureRegions(pixels, frame.width, frame.height, regions.map((r) => r.box), o.style, regions.map((r) => r.kind)),
        );
        // sharp writes no metadata unless asked (keepMetadata/withMetadata), and a raw input has none to carry.
        jpeg = await stage('encoding', () =>
          sharp(pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } })
            .jpeg({ quality: o.jpegQuality })
            .toBuffer(),
        );
      } finally {
        this.spareCopy = pixels;
      }
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

/**
 * The text model's input for a vehicle crop: the crop enlarged `cropScale` times, at least `cropLongSide` and at most
 * `cropMaxLongSide` on its long side. A plate is a few per cent of its vehicle's height: shrunk to a fixed size, a
 * large vehicle's plate falls under what the model finds.
 */
export function textCropLongSide(crop: Box, o: Pick<RedactionSettings['text'], 'cropLongSide' | 'cropMaxLongSide' | 'cropScale'>): number {
  const native = Math.max(crop.x2 - crop.x1, crop.y2 - crop.y1);
  return Math.max(o.cropLongSide, Math.min(o.cropMaxLongSide, o.cropScale * native));
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
