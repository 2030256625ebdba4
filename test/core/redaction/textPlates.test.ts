import { describe, expect, it } from 'vitest';
import { YUNET_CALIBRATION } from '../../../agent/adapters/detectors/yunetFaces.ts';
import type { Box } from '../../../agent/core/redaction/boxes.ts';
import { planRedaction } from '../../../agent/core/redaction/redactionPlan.ts';
import { plateAroundText, plateTextRegion, textPlates } from '../../../agent/core/redaction/textPlates.ts';
import type { Detection } from '../../../agent/ports/detector.ts';

const det = (label: string, box: Box, score = 0.8): Detection => ({ box, score, label, detector: 'test' });
const car = det('car', { x1: 400, y1: 300, x2: 800, y2: 600 }); // 300 px high
const line = (x1: number, y1: number, w: number, h: number) => det('text', { x1, y1, x2: x1 + w, y2: y1 + h });

describe('textPlates: which scene text is a plate', () => {
  it('a plate-sized line low on a vehicle is a plate', () => {
    expect(textPlates([line(560, 520, 80, 18)], [car]).map((t) => t.vehicle)).toEqual([car]);
  });
  it('text on no vehicle (a shop front, a street sign) is never a plate', () => {
    expect(textPlates([line(100, 100, 200, 30), line(900, 520, 80, 18)], [car])).toEqual([]);
  });
  it('text in the window band (a sticker, a driver\'s sign) is not taken for a plate', () => {
    expect(textPlates([line(560, 330, 80, 18)], [car])).toEqual([]);
  });
  it('lettering too large for a plate on that vehicle (a van\'s livery) is not a plate', () => {
    expect(textPlates([line(420, 450, 300, 80)], [car])).toEqual([]);
  });
  it('a plate on the box\'s lower edge (the box cut at the bumper) still counts', () => {
    expect(textPlates([line(560, 600, 80, 18)], [car])).toHaveLength(1);
  });
  it('the plate around a partly found line is grown to a plate\'s shape inside the vehicle', () => {
    const plate = plateAroundText({ x1: 600, y1: 540, x2: 620, y2: 550 }, car.box);
    expect(plate.y2 - plate.y1).toBeCloseTo(15);
    expect(plate.x2 - plate.x1).toBeCloseTo(45);
    expect(plateAroundText({ x1: 395, y1: 540, x2: 410, y2: 550 }, car.box).x1).toBeGreaterThanOrEqual(400 - 0.08 * 400);
  });
  it('the plan blurs a text plate and then gives its vehicle no plate zone', () => {
    const far = det('car', { x1: 1000, y1: 500, x2: 1150, y2: 600 }); // small: would get a plate zone
    const regions = planRedaction({
      calibration: YUNET_CALIBRATION,
      width: 1920,
      height: 1080,
      faces: [],
      plates: [],
      objects: [far],
      text: [line(1050, 570, 40, 8), line(200, 200, 300, 40)],
    });
    expect(regions.map((r) => r.kind)).toEqual(['plate']);
    expect(regions[0]!.box.y1).toBeGreaterThan(560);
  });
});

describe('plateTextRegion: the part of a vehicle crop read for plates', () => {
  const crop = { x1: 368, y1: 276, x2: 832, y2: 624 }; // the car's box grown 8 %
  it('holds every line textPlates could take on the vehicle, and leaves out the roof and most of the windows', () => {
    const region = plateTextRegion(crop, [car]);
    expect(region).toEqual({ ...crop, y1: 390 });
    const lines: Detection[] = [];
    for (let y = 280; y < 620; y += 4) for (const h of [5, 18, 40, 60]) lines.push(line(560, y, Math.max(h, 40), h));
    const taken = textPlates(lines, [car]).map((t) => t.text.box);
    expect(taken.length).toBeGreaterThan(50);
    for (const b of taken) expect(b.y1, JSON.stringify(b)).toBeGreaterThanOrEqual(region.y1);
  });
  it('reads the whole crop of a vehicle cut by the frame\'s top edge (its box\'s height is not the vehicle\'s)', () => {
    const cut = det('truck', { x1: 400, y1: 0, x2: 800, y2: 300 });
    expect(plateTextRegion({ x1: 368, y1: 0, x2: 832, y2: 324 }, [cut])).toEqual({ x1: 368, y1: 0, x2: 832, y2: 324 });
  });
  it('starts at the highest such part of the vehicles centred in a joint crop, and reads all of a crop with none', () => {
    const high = det('car', { x1: 500, y1: 200, x2: 700, y2: 400 });
    expect(plateTextRegion({ x1: 368, y1: 180, x2: 832, y2: 624 }, [car, high]).y1).toBeCloseTo(260);
    expect(plateTextRegion(crop, [det('person', car.box)])).toEqual(crop);
  });
});
