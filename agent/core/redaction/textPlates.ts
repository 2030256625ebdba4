// Which scene text is a licence plate: a short line of characters on a vehicle, below its windows, of a plate's size
// for that vehicle. Text elsewhere (shop fronts, street signs, posters) is an inspection target and stays sharp.
import { boxHeight, boxWidth, padBox, type Box } from './boxes.ts';
import { PLATE_VEHICLE_LABELS } from '../detection/cocoLabels.ts';
import type { Detection } from '../detection/detection.ts';
import { textPlateSchema, type TextPlateOptions } from './planSettings.ts';

export const DEFAULT_TEXT_PLATE_OPTIONS: TextPlateOptions = textPlateSchema.parse({});

/**
 * The text lines that are plates, each with the vehicle it sits on. A line counts when its centre lies in a vehicle
 * box (grown by `vehicleEnlarge`: plates sit on the box's lower edge) below `bandTop` of its height, and its size fits
 * a plate on that vehicle: a plate is 110–152 mm high on vehicles 1.4–4 m high, so its height is a few per cent of the
 * vehicle's, whatever the camera, distance or resolution. Text on no vehicle is never a plate.
 */
export function textPlates(
  text: readonly Detection[],
  objects: readonly Detection[],
  options: Partial<TextPlateOptions> = {},
  vehicleEnlarge = 0.08,
): { text: Detection; vehicle: Detection }[] {
  const o = { ...DEFAULT_TEXT_PLATE_OPTIONS, ...options };
  const vehicles = objects.filter((d) => PLATE_VEHICLE_LABELS.includes(d.label));
  const out: { text: Detection; vehicle: Detection }[] = [];
  for (const t of text) {
    const th = boxHeight(t.box);
    const tw = boxWidth(t.box);
    if (th <= 0 || tw < o.minAspect * th) continue;
    const cx = (t.box.x1 + t.box.x2) / 2;
    const cy = (t.box.y1 + t.box.y2) / 2;
    const on = vehicles.find((v) => {
      const vh = boxHeight(v.box);
      const grown = padBox(v.box, vehicleEnlarge);
      if (cx < grown.x1 || cx > grown.x2 || cy > grown.y2 || cy < v.box.y1 + o.bandTop * vh) return false;
      return th >= o.minHeightShare * vh && th <= o.maxHeightShare * vh && tw <= o.maxWidthShare * boxWidth(v.box);
    });
    if (on) out.push({ text: t, vehicle: on });
  }
  return out;
}

/**
 * The plate around a text line found on it: the line grown by `growHeight` of its height on top and bottom, and to at
 * least `minPlateAspect` × that height wide around its centre, kept inside the vehicle's box widened as for the search.
 */
export function plateAroundText(line: Box, vehicle: Box, options: Partial<TextPlateOptions> = {}, vehicleEnlarge = 0.08): Box {
  const o = { ...DEFAULT_TEXT_PLATE_OPTIONS, ...options };
  const h = boxHeight(line) * (1 + 2 * o.growHeight);
  const w = Math.max(boxWidth(line), o.minPlateAspect * h);
  const cx = (line.x1 + line.x2) / 2;
  const cy = (line.y1 + line.y2) / 2;
  const grown = padBox(vehicle, vehicleEnlarge);
  return {
    x1: Math.max(grown.x1, cx - w / 2),
    x2: Math.min(grown.x2, cx + w / 2),
    y1: Math.max(grown.y1, cy - h / 2),
    y2: Math.min(grown.y2, cy + h / 2),
  };
}

/**
 * The part of a vehicle crop worth reading for plates: from `bandTop` of the height of its vehicles (those centred in
 * it) less half the tallest plate line (`maxHeightShare`) down, since textPlates takes no line centred higher. The
 * whole crop when one of them is cut by the frame's top edge (its box's height is not the vehicle's, and lines on it go
 * to the band search's check wherever they lie) or when none is centred in it.
 */
export function plateTextRegion(crop: Box, objects: readonly Detection[], options: Partial<TextPlateOptions> = {}, cutEdgePx = 2): Box {
  const o = { ...DEFAULT_TEXT_PLATE_OPTIONS, ...options };
  const owners = objects.filter((v) => PLATE_VEHICLE_LABELS.includes(v.label) && centreInside(v.box, crop));
  if (owners.length === 0 || owners.some((v) => v.box.y1 <= cutEdgePx)) return crop;
  const top = Math.min(...owners.map((v) => v.box.y1 + (o.bandTop - o.maxHeightShare / 2) * boxHeight(v.box)));
  return top > crop.y1 && top < crop.y2 ? { ...crop, y1: top } : crop;
}

/** True when the box's centre lies inside `outer`. */
export function centreInside(inner: Box, outer: Box): boolean {
  const cx = (inner.x1 + inner.x2) / 2;
  const cy = (inner.y1 + inner.y2) / 2;
  return cx >= outer.x1 && cx <= outer.x2 && cy >= outer.y1 && cy <= outer.y2;
}
