// The rows of a frame where faces and plates can lie, from the camera geometry (core/geometry/cameraGeometry.ts) and
// the heights of faces and plates above the road: the face band searched again enlarged, and the text band's rows.
// A face p pixels high, of height s metres, is f·s/p metres away, so its centre lies (mount − centre height)·p/s rows
// below the horizon whatever the lens: far faces crowd round the horizon, and the band follows the horizon.
import type { CameraGeometry } from '../geometry/cameraGeometry.ts';
import { focalLengthPx, horizonRow, pixelsPerTilt, rowAt } from '../geometry/cameraGeometry.ts';
import type { Detection } from '../detection/detection.ts';
import type { BandTextOptions, BandTextSettings, GeometryRules } from './redactionSettings.ts';

/** The face band where no camera geometry is known (still photos, a redactor built without it): wide, as tuned on dashcam-dev. */
export const FALLBACK_FACE_BAND = { top: 0.35, bottom: 0.68 } as const;
/** The text band's top and plate row where no camera geometry is known. */
export const FALLBACK_TEXT_BAND = { top: 0.38, horizon: 0.4 } as const;

/** Rows [y1, y2) of a frame, pixels. */
export interface RowSpan {
  readonly y1: number;
  readonly y2: number;
}

/** Rows of the text band: its top, the row a plate's line centre must lie below, and how much higher per pixel of line. */
export interface TextBandRows {
  readonly topPx: number;
  readonly plateRowPx: number;
  /** Rows per pixel of line height a line may sit above plateRowPx (the camera is mounted below the highest plate). */
  readonly rise: number;
}

/**
 * Edges 16 px apart (at 2× the face model's largest stride, 32, is 16 frame px), at rows 16·k + GRID_PHASE_PX: the
 * stride grid falls on the frame rows where the band tuned on dashcam-dev put it (row 378 = 16·23 + 10). Where it
 * falls is worth 3 of dashcam-dev's faces under 20 px, with the same rows searched (the constant band from row 368
 * or 384, phase 0: 123 of 138 instead of 126; phase 4: −1, 8: ±0, 12: −3 on the frames concerned): noise of the
 * model, not of the rows, so the phase stays where the figures were measured.
 */
const GRID_PX = 16;
const GRID_PHASE_PX = 10;

/**
 * Rows where the faces of standing persons (centres `faceCentreMinM`–`MaxM` above the road) lie when at most
 * `maxFacePx` high: from the horizon (the farthest) to the rows of faces `maxFacePx` high, each face's own height
 * round its centre and half `maxFacePx` of context beyond, widened by `slackDeg` of tilt up and down (the horizon of a
 * frame is not where the geometry puts it: road grades, braking); edges 16 px apart (GRID_PHASE_PX), inside the frame.
 * `horizonPx`: the frame's own horizon (see horizonFromObjects), else the geometry's.
 */
export function faceBandRows(
  g: CameraGeometry,
  rules: GeometryRules,
  widthPx: number,
  heightPx: number,
  maxFacePx: number,
  horizonPx?: number,
  slackDeg = rules.horizonSlackDeg,
): RowSpan {
  const horizon = horizonPx ?? horizonRow(g, widthPx, heightPx);
  const distanceM = (focalLengthPx(widthPx, g.fovDeg) * rules.faceHeightM) / maxFacePx;
  const centres = [rules.faceCentreMinM, rules.faceCentreMaxM].map((z) => rowAt(g, widthPx, heightPx, z, distanceM, horizon));
  const slack = pixelsPerTilt(widthPx, g.fovDeg, slackDeg);
  const reach = maxFacePx / 2 + maxFacePx / 2;
  const top = Math.min(horizon, ...centres.map((y) => y - reach)) - slack;
  const bottom = Math.max(horizon, ...centres.map((y) => y + reach)) + slack;
  return snapRows(top, bottom, heightPx);
}

/**
 * [top, bottom) on the grid, always as many rows for the same span (where the frame does not cut it): the face
 * model's input then keeps its size from frame to frame as the horizon moves, and onnxruntime and the input buffers
 * hold one size, not two (+10 MB peak memory in the bench when each edge was snapped on its own). Laid from the
 * bottom edge up: laid from the top down, the extra rows below cost dashcam-dev a 49-px face (a7de82b3: boxed over
 * bandMaxPx by the model, noise at the limit), 125 instead of 126 of 138.
 */
function snapRows(top: number, bottom: number, heightPx: number): RowSpan {
  const y2 = Math.ceil((bottom - GRID_PHASE_PX) / GRID_PX) * GRID_PX + GRID_PHASE_PX;
  const span = (Math.ceil((bottom - top) / GRID_PX) + 1) * GRID_PX;
  return { y1: clamp(y2 - span, 0, heightPx), y2: clamp(y2, 0, heightPx) };
}

/**
 * Rows of the text band: a plate's line centre lies below the horizon less `slackDeg` of tilt (a plate hangs no
 * higher than `plateCentreMaxM`; when the camera is mounted lower than that, a near high plate lies above the
 * horizon, `rise` rows per pixel of its line's height); the band begins half the tallest line (`maxLinePx`) above the
 * row where the tallest line may lie.
 */
export function textBandRows(
  g: CameraGeometry,
  rules: GeometryRules,
  widthPx: number,
  heightPx: number,
  maxLinePx: number,
  horizonPx?: number,
  slackDeg = rules.horizonSlackDeg,
): TextBandRows {
  const horizon = horizonPx ?? horizonRow(g, widthPx, heightPx);
  const plateRowPx = clamp(horizon - pixelsPerTilt(widthPx, g.fovDeg, slackDeg), 0, heightPx);
  const rise = Math.max(0, (rules.plateCentreMaxM - g.mountHeightM) / rules.plateHeightM);
  const topPx = clamp(Math.floor(plateRowPx - rise * maxLinePx - maxLinePx / 2), 0, heightPx);
  return { topPx, plateRowPx, rise };
}

/**
 * The row from which every plate's line is at least `minLinePx` high: a plate centred `plateCentreMinM` above the road
 * (the lowest: of the plates at a row below the horizon, the one lowest on its vehicle is the farthest, so the
 * smallest) with a line `minLinePx` high lies there when the horizon is as low as `slackDeg` allows; every plate below
 * that row is nearer, so larger. Null where no plate lies below the horizon (a camera mounted at or below the lowest
 * plate).
 */
export function minLineRow(
  g: CameraGeometry,
  rules: GeometryRules,
  widthPx: number,
  heightPx: number,
  minLinePx: number,
  horizonPx?: number,
  slackDeg = rules.horizonSlackDeg,
): number | null {
  if (g.mountHeightM <= rules.plateCentreMinM || minLinePx <= 0) return null;
  const lowest = (horizonPx ?? horizonRow(g, widthPx, heightPx)) + pixelsPerTilt(widthPx, g.fovDeg, slackDeg);
  const distanceM = (focalLengthPx(widthPx, g.fovDeg) * rules.plateHeightM) / minLinePx;
  return rowAt(g, widthPx, heightPx, rules.plateCentreMinM, distanceM, lowest);
}

/** Typical heights of what the object model finds standing on the road, metres (for the horizon of a frame). */
export const STANDING_HEIGHT_M: Readonly<Record<string, number>> = { person: 1.7, car: 1.5, bus: 3.2, truck: 3.2 };

/**
 * The horizon of one frame, from the persons and vehicles standing in it: an object H metres high whose box is p
 * pixels high and ends on the road at row b has the horizon at b − mount·p/H (flat road). The median over boxes
 * scored ≥ `minScore` that the frame cuts neither at the top nor at the bottom, kept within `slackDeg` of tilt of the
 * geometry's horizon; null where no box tells (then the geometry's horizon and its slack hold).
 */
export function horizonFromObjects(
  g: CameraGeometry,
  widthPx: number,
  heightPx: number,
  objects: readonly Detection[],
  slackDeg: number,
  minScore = 0.4,
): number | null {
  const estimates: number[] = [];
  for (const o of objects) {
    const h = STANDING_HEIGHT_M[o.label];
    if (h === undefined || o.score < minScore) continue;
    const p = o.box.y2 - o.box.y1;
    if (p < 8 || o.box.y1 <= 2 || o.box.y2 >= heightPx - 2) continue;
    estimates.push(o.box.y2 - (g.mountHeightM * p) / h);
  }
  if (estimates.length === 0) return null;
  estimates.sort((a, b) => a - b);
  const mid = estimates.length >> 1;
  const median = estimates.length % 2 ? estimates[mid]! : (estimates[mid - 1]! + estimates[mid]!) / 2;
  const configured = horizonRow(g, widthPx, heightPx);
  const slack = pixelsPerTilt(widthPx, g.fovDeg, slackDeg);
  return clamp(median, configured - slack, configured + slack);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** The horizon and slack a frame's bands are placed with: the frame's own where its objects tell, else the geometry's. */
export function frameHorizon(
  g: CameraGeometry,
  rules: GeometryRules,
  widthPx: number,
  heightPx: number,
  objects: readonly Detection[],
): { horizonPx: number; slackDeg: number; fromObjects: boolean } {
  const own = rules.fromObjects ? horizonFromObjects(g, widthPx, heightPx, objects, rules.horizonSlackDeg) : null;
  return own === null
    ? { horizonPx: horizonRow(g, widthPx, heightPx), slackDeg: rules.horizonSlackDeg, fromObjects: false }
    : { horizonPx: own, slackDeg: rules.objectSlackDeg, fromObjects: true };
}

/**
 * The face band of a frame (rows, pixels): the configured `band` (shares of the height) when set — an installer's
 * choice wins — else the rows the camera geometry gives (faceBandRows round frameHorizon), else (no geometry, or one
 * that leaves less than a face's height of the band in the frame) FALLBACK_FACE_BAND.
 */
export function resolveFaceBand(
  band: { readonly top: number; readonly bottom: number } | undefined,
  camera: CameraGeometry | null,
  rules: GeometryRules,
  widthPx: number,
  heightPx: number,
  maxFacePx: number,
  objects: readonly Detection[],
): RowSpan {
  if (band || !camera) {
    const b = band ?? FALLBACK_FACE_BAND;
    return { y1: Math.round(b.top * heightPx), y2: Math.round(b.bottom * heightPx) };
  }
  const h = frameHorizon(camera, rules, widthPx, heightPx, objects);
  const rows = faceBandRows(camera, rules, widthPx, heightPx, maxFacePx, h.horizonPx, h.slackDeg);
  // A geometry that puts the band (nearly) outside the frame is wrong for it (a pitch off by tens of degrees): the
  // fallback rows rather than no band at all.
  if (rows.y2 - rows.y1 < maxFacePx) return { y1: Math.round(FALLBACK_FACE_BAND.top * heightPx), y2: Math.round(FALLBACK_FACE_BAND.bottom * heightPx) };
  return rows;
}

/**
 * The text band's options for a frame: `top` and `horizon` as configured where set, else from the camera geometry
 * (textBandRows round frameHorizon), else FALLBACK_TEXT_BAND; with a camera geometry, `halfScaleTop`: the row from
 * which every plate's line is at least `halfScaleLinePx` high in the text model's input (minLineRow), where the band
 * goes to it at half scale (bandSearches).
 */
export function resolveTextBand(
  band: BandTextSettings,
  camera: CameraGeometry | null,
  rules: GeometryRules,
  widthPx: number,
  heightPx: number,
  objects: readonly Detection[],
): BandTextOptions {
  let derived: { top: number; horizon: number; horizonRise: number } = { ...FALLBACK_TEXT_BAND, horizonRise: 0 };
  let halfScaleTop: number | undefined;
  if (camera) {
    const h = frameHorizon(camera, rules, widthPx, heightPx, objects);
    const rows = textBandRows(camera, rules, widthPx, heightPx, band.maxHeightShare * heightPx, h.horizonPx, h.slackDeg);
    // As for the face band: a geometry that leaves no room for a plate below its row is wrong for this frame.
    if (rows.plateRowPx < heightPx - band.maxHeightShare * heightPx) {
      derived = { top: rows.topPx / heightPx, horizon: rows.plateRowPx / heightPx, horizonRise: rows.rise };
      // Near plates only below this row: the text model reads them at half the band's scale (bandSearches).
      const bandScale = Math.min(1, band.maxLongSide / widthPx);
      const split = minLineRow(camera, rules, widthPx, heightPx, band.halfScaleLinePx / bandScale, h.horizonPx, h.slackDeg);
      if (split !== null && split < heightPx) halfScaleTop = Math.max(0, split) / heightPx;
    }
  }
  // A configured plate row with a derived top: the band still begins half the tallest line above that row.
  const top = band.top ?? (band.horizon === undefined ? derived.top : Math.max(0, Math.min(derived.top, band.horizon - band.maxHeightShare / 2)));
  return {
    ...band,
    top,
    horizon: band.horizon ?? derived.horizon,
    horizonRise: band.horizon === undefined ? derived.horizonRise : 0,
    ...(halfScaleTop === undefined ? {} : { halfScaleTop }),
  };
}
