// Plates of vehicles the object model does not find: the text model searches the frame's lower band, the plate model
// confirms each line with a plate's shape on a close crop (core/redaction/bandTextPlates.ts says which lines).
import { nms, type Box } from '../core/redaction/boxes.ts';
import {
  bandSearches,
  bandTextCandidates,
  confirmCrop,
  confirmingPlates,
  cutVehicleTextCandidates,
  plateAroundBandLine,
  type BandTextOptions,
} from '../core/redaction/bandTextPlates.ts';
import type { TextPlateOptions } from '../core/redaction/planSettings.ts';
import { textPlates } from '../core/redaction/textPlates.ts';
import type { Detection, Detector } from '../ports/detector.ts';
import type { Frame } from '../ports/frame.ts';

export interface BandPlateSearch {
  /** Plates (frame pixels), each the confirmed line's plate; `detector` names the text model. */
  readonly plates: Detection[];
  /** Text-model and plate-model runs, for the stage timings. */
  readonly confirmRuns: number;
}

/** What the searches before this one found on the frame. */
export interface FoundSoFar {
  /** Plates (frame pixels): lines on them need no second look. */
  readonly plates: readonly Box[];
  /** Persons and vehicles. */
  readonly objects: readonly Detection[];
  /** Text found on vehicle crops. */
  readonly vehicleText: readonly Detection[];
  /** How the plan judges text on vehicles (plan.textPlate). */
  readonly textPlate: Partial<TextPlateOptions>;
}

/**
 * Text lines of the band with a plate's shape that no found plate covers, and such lines on vehicles cut by the
 * frame's top edge, each confirmed by the plate model on a crop around it. Runs the models one after the other.
 */
export async function searchBandPlates(
  frame: Frame,
  text: Detector,
  plates: Detector,
  found: FoundSoFar,
  o: BandTextOptions,
): Promise<BandPlateSearch> {
  const lines: Detection[] = [];
  for (const search of bandSearches(frame.width, frame.height, o)) {
    const { y1, y2 } = search.centreRows;
    for (const l of await text.detect(frame, search)) {
      const cy = (l.box.y1 + l.box.y2) / 2;
      if (cy >= y1 && cy < y2) lines.push(l);
    }
  }
  // A line in the overlap of two parts is found twice: the better one stays.
  const band = nms(lines, 0.5);
  const taken = textPlates(found.vehicleText, found.objects, found.textPlate).map((t) => t.text);
  const candidates = [
    ...bandTextCandidates(band, found.plates, frame.height, o),
    ...cutVehicleTextCandidates(found.vehicleText, found.objects, taken, found.plates, frame.height, o),
  ]
    .sort((a, b) => b.score - a.score)
    .slice(0, o.maxCandidates);
  const out: Detection[] = [];
  for (const line of candidates) {
    const onCrop = await plates.detect(frame, { region: confirmCrop(line.box, frame.width, frame.height, o), minScore: o.confirmMinScore });
    const confirming = confirmingPlates(line.box, onCrop, o);
    if (confirming.length === 0) continue;
    const score = Math.max(...confirming.map((p) => p.score));
    out.push({ box: plateAroundBandLine(line.box, confirming, o), score, label: 'plate', detector: line.detector });
  }
  return { plates: out, confirmRuns: candidates.length };
}
