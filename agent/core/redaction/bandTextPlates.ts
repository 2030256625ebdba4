// Plates of vehicles the object model does not find (cut by the frame edge, close behind another, too close or too
// far): scene text in the frame's lower band that has a plate's shape, confirmed by the plate model on a close crop.
// Lettering on shop fronts, street signs and posters has no plate's shape, or the plate model does not take it for a
// plate, or it lies above the horizon: it stays sharp.
import { boxHeight, boxWidth, type Box } from './boxes.ts';
import type { Detection } from '../detection/detection.ts';
import { PLATE_VEHICLE_LABELS } from '../detection/cocoLabels.ts';
import { bandTextSchema, type BandTextOptions } from './redactionSettings.ts';
import { FALLBACK_TEXT_BAND } from './frameRows.ts';

export type { BandTextOptions };

/** The defaults with the fallback rows (no camera geometry known). */
export const DEFAULT_BAND_TEXT_OPTIONS: BandTextOptions = { ...bandTextSchema.parse({}), ...FALLBACK_TEXT_BAND };

/** One input of the band search: a region of the frame, its input long side, and the rows its lines are kept from. */
export interface BandSearch {
  readonly region: Box;
  readonly longSide: number;
  /** Lines centred outside these rows [y1, y2) are dropped: they lie whole in the band's other part (±Infinity: none). */
  readonly centreRows: { readonly y1: number; readonly y2: number };
}

/**
 * The parts of the band the text model is given (frame pixels) and each one's input long side: the band at most
 * `maxLongSide` wide in all, cut into `parts` side-by-side pieces that overlap by `partOverlapPx` (a plate up to that
 * wide lies whole in one): onnxruntime's memory for a run grows with its input. With `halfScaleTop` (rows where the
 * camera geometry puts only near, large plates), the rows from there down go at half that scale in one piece, and
 * the rows above in one piece too when that input is at most `onePartMaxPx`; the upper and lower parts reach half the
 * tallest line (`maxHeightShare`) into each other, so that every line centred in one lies whole in it, and each keeps
 * the lines centred on its own side.
 */
export function bandSearches(width: number, height: number, o: BandTextOptions): BandSearch[] {
  const y1 = Math.round(o.top * height);
  const y2 = Math.round(o.bottom * height);
  if (y2 <= y1 || width <= 0) return [];
  const scale = Math.min(1, o.maxLongSide / width);
  const split = o.halfScaleTop === undefined ? y2 : Math.min(y2, Math.max(y1, Math.round(o.halfScaleTop * height)));
  const reach = Math.ceil((o.maxHeightShare * height) / 2);
  const out: BandSearch[] = [];
  if (split > y1) {
    const bottom = Math.min(y2, split + reach);
    const whole = split < y2 && inputPx(scale * width, scale * (bottom - y1)) <= o.onePartMaxPx;
    const n = whole ? 1 : Math.max(1, o.parts);
    for (let i = 0; i < n; i++) {
      const x1 = i === 0 ? 0 : Math.max(0, Math.round((i * width) / n - o.partOverlapPx / 2));
      const x2 = i === n - 1 ? width : Math.min(width, Math.round(((i + 1) * width) / n + o.partOverlapPx / 2));
      out.push({ region: { x1, y1, x2, y2: bottom }, longSide: Math.round(scale * Math.max(x2 - x1, bottom - y1)), centreRows: { y1: -Infinity, y2: split < y2 ? split : Infinity } });
    }
  }
  if (split < y2) {
    const top = Math.max(y1, split - reach);
    out.push({ region: { x1: 0, y1: top, x2: width, y2 }, longSide: Math.round((scale / 2) * Math.max(width, y2 - top)), centreRows: { y1: split, y2: Infinity } });
  }
  return out;
}

/** Pixels of the text model's input for a region scaled to `w` × `h` (each side rounded up to a multiple of 32). */
function inputPx(w: number, h: number): number {
  return Math.ceil(Math.round(w) / 32) * 32 * Math.ceil(Math.round(h) / 32) * 32;
}

/**
 * The text lines of the band that may be plates, best first: centred below the horizon row (`horizon`, a share of
 * the frame height: where the highest plate can lie; `horizonRise` rows higher per pixel of the line's height), a plate's proportions (a short line, `minAspect`–`maxAspect`
 * as wide as high), at least `minHeightPx` high and at most `maxHeightShare` of the frame (a plate nearer than that
 * belongs to a vehicle filling the frame, which the object model finds). Lines on a plate already found are left out.
 */
export function bandTextCandidates(
  lines: readonly Detection[],
  found: readonly Box[],
  frameHeightPx: number,
  o: BandTextOptions,
): Detection[] {
  return lines
    .filter((l) => {
      const h = boxHeight(l.box);
      const w = boxWidth(l.box);
      if (h < o.minHeightPx || h > o.maxHeightShare * frameHeightPx) return false;
      if (w < o.minAspect * h || w > o.maxAspect * h) return false;
      const cy = (l.box.y1 + l.box.y2) / 2;
      if (cy < o.horizon * frameHeightPx - (o.horizonRise ?? 0) * h) return false;
      return !found.some((f) => centreInside(l.box, f));
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, o.maxCandidates);
}

/**
 * Text found on vehicle crops that may be a plate the vehicle rule (textPlates.ts) cannot judge: on a vehicle box cut
 * by the frame's top edge, the box's height is not the vehicle's, so where its windows end is unknown. A line there
 * with a plate's proportions and size is shown to the plate model like a band line (no horizon: the box is the
 * evidence of a vehicle). `taken`: lines already blurred as plates.
 */
export function cutVehicleTextCandidates(
  lines: readonly Detection[],
  objects: readonly Detection[],
  taken: readonly Detection[],
  found: readonly Box[],
  frameHeightPx: number,
  o: BandTextOptions,
): Detection[] {
  const cut = objects.filter((v) => PLATE_VEHICLE_LABELS.includes(v.label) && v.box.y1 <= o.cutEdgePx);
  if (cut.length === 0) return [];
  return bandTextCandidates(
    lines.filter((l) => !taken.includes(l) && cut.some((v) => centreInside(l.box, v.box))),
    found,
    frameHeightPx,
    { ...o, horizon: 0, horizonRise: 0 },
  );
}

/** The square around a line that the plate model looks at: `confirmCropLineHeights` line heights, and enough context. */
export function confirmCrop(line: Box, width: number, height: number, o: BandTextOptions): Box {
  const side = Math.max(o.confirmCropLineHeights * boxHeight(line), 1.5 * boxWidth(line), o.confirmCropMinPx);
  const cx = (line.x1 + line.x2) / 2;
  const cy = (line.y1 + line.y2) / 2;
  return {
    x1: Math.max(0, cx - side / 2),
    y1: Math.max(0, cy - side / 2),
    x2: Math.min(width, cx + side / 2),
    y2: Math.min(height, cy + side / 2),
  };
}

/**
 * The plates found on a line's crop that confirm it: scored at least `confirmMinScore`, centred on the line (grown by
 * half its width to each side and its height up and down: the detector often boxes only part of the characters).
 */
export function confirmingPlates(line: Box, plates: readonly Detection[], o: BandTextOptions): Detection[] {
  const w = boxWidth(line);
  const h = boxHeight(line);
  const near = { x1: line.x1 - 0.5 * w, y1: line.y1 - h, x2: line.x2 + 0.5 * w, y2: line.y2 + h };
  return plates.filter((p) => p.score >= o.confirmMinScore && centreInside(p.box, near));
}

/**
 * The plate around a confirmed line: the line grown by `growHeight` of its height up and down and, around its centre,
 * to at least `minPlateAspect` times that height wide (an EU plate is 4.7 times as wide as high; the detector often
 * boxes only part of the characters), joined with the plate model's boxes that confirmed it.
 */
export function plateAroundBandLine(line: Box, confirming: readonly Detection[], o: BandTextOptions): Box {
  const h = boxHeight(line) * (1 + 2 * o.growHeight);
  const w = Math.max(boxWidth(line), o.minPlateAspect * h);
  const cx = (line.x1 + line.x2) / 2;
  const cy = (line.y1 + line.y2) / 2;
  let b: Box = { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 };
  for (const p of confirming) b = { x1: Math.min(b.x1, p.box.x1), y1: Math.min(b.y1, p.box.y1), x2: Math.max(b.x2, p.box.x2), y2: Math.max(b.y2, p.box.y2) };
  return b;
}

function centreInside(inner: Box, outer: Box): boolean {
  const cx = (inner.x1 + inner.x2) / 2;
  const cy = (inner.y1 + inner.y2) / 2;
  return cx >= outer.x1 && cx <= outer.x2 && cy >= outer.y1 && cy <= outer.y2;
}
