// Every setting of the redaction, in one typed, validated object: defaults and descriptions live here only.
import { z } from 'zod';

const share = () => z.number().min(0).max(1);

export const plateZoneSchema = z
  .strictObject({
    maxVehicleHeightShare: share()
      .default(0.167)
      .describe(
        'Vehicles at most this share of the frame height get a plate zone when no plate was found on them: from there down a plate is under ~12 px, smaller than the plate model and the text detector find reliably. 0 turns the fallback off',
      ),
    minVehicleScore: share().default(0.4).describe('Vehicles below this score get no zone (a false vehicle costs a blurred patch of street)'),
    bandTop: share().default(0.4).describe("Top of the band as a share of the vehicle box's height, from its top (below the windows)"),
    bandBottom: share().default(0.92).describe("Bottom of the band, same measure (above the wheels' contact line)"),
    insetX: z
      .number()
      .min(-0.25)
      .max(0.5)
      .default(-0.04)
      .describe("Left and right inset of the band as a share of the vehicle's width; negative: the band reaches past the box (side-on cars carry the plate at an end, often just outside a far car's box)"),
    rearMaxAspect: z
      .number()
      .min(0)
      .default(1.4)
      .describe('Vehicles at most this wide for their height are seen from behind or ahead (a car is about as wide as high): their band gets rearInsetX instead (0 = none)'),
    rearInsetX: z.number().min(-0.25).max(0.5).default(0.2).describe("Left and right inset of those vehicles' band, as a share of the width (the plate sits in the middle)"),
    motorcycleBandTop: share()
      .default(0.55)
      .describe("Motorcycles of any size get a zone from this share of their height to the bottom (plate under the rider's legs); 0 turns it off"),
    midMaxVehicleHeightShare: share()
      .default(0.26)
      .describe('Cars, buses, trucks above maxVehicleHeightShare up to this share of the frame height, seen at an angle, get a lower zone when no plate was found (0 = none)'),
    midBandTop: share().default(0.45).describe('Top of that mid-size zone, share of the vehicle height'),
    midBandBottom: share().default(0.75).describe('Bottom of that mid-size zone'),
    midMinAspect: z.number().min(0).default(1.5).describe('Only boxes at least this wide for their height (seen at an angle: the plate foreshortened)'),
    midMaxAspect: z.number().min(0).default(2.5).describe("Nor boxes wider than this (the camera's own bonnet, a row of cars)"),
  })
  .prefault({})
  .describe('Plate zones of small, far vehicles and of motorcycles, where no plate was found (core/redaction/plateZone.ts)');

export const cabinZoneSchema = z
  .strictObject({
    minVehicleHeightShare: share()
      .default(0.11)
      .describe("Vehicles at least this share of the frame height get a cabin zone: from there on an occupant's face is ~20 px or more on a 1080-row frame. 0 turns the rule off"),
    maxVehicleFrameFraction: share()
      .default(0.6)
      .describe('Vehicles taller than this share of the frame get no occupant patches (closer than a car length: glare all over the window band). 0 = no limit'),
    minVehicleScore: share().default(0.4).describe('Vehicles below this score get none'),
    bandTop: share().default(0.05).describe("Top of the window band as a share of the vehicle's height, from its top"),
    bandBottom: share().default(0.45).describe('Bottom of the window band, same measure'),
    maxAspect: z.number().min(0).default(2.5).describe('Boxes wider than this for their height get none (the camera\'s own bonnet, a row of cars); 0 = no limit'),
    labels: z.array(z.string()).default(['car', 'bus', 'truck']).describe('Labels that carry occupants behind glass'),
    wholeBand: z.boolean().default(false).describe('Blur the whole band of each such vehicle (every occupant, at a high cost in blurred car)'),
    cueMinScore: share()
      .optional()
      .describe('Face hits scored at least this, centred in the band, mark an occupant (default: the face model\'s calibrated occupantCueMinScore); 0 = none'),
    cueSideFraction: share().default(0.2).describe("Side of an occupant patch as a share of the vehicle's height (a face is 7–18 % of it)"),
    cueMinScoreSum: z.number().min(0).default(0.25).describe('The scores of the hits centred in a patch must add up to this (a face behind glass draws a cluster)'),
    cueMaxPerVehicle: z.int().min(0).default(3).describe('At most this many occupant patches per vehicle, the best first'),
  })
  .prefault({})
  .describe('Occupant patches in the window band of near vehicles (core/redaction/cabinZone.ts)');

export const textPlateSchema = z
  .strictObject({
    bandTop: share().default(0.4).describe("Text counts as a plate only with its centre below this share of the vehicle box's height (below the windows)"),
    minHeightShare: share()
      .default(0.015)
      .describe("Shortest text line taken for a plate, as a share of the vehicle's height: a 110-mm plate on a 4-m truck is ~2.8 %"),
    maxHeightShare: share()
      .default(0.2)
      .describe("Tallest, same measure: a 152-mm plate on a 1.4-m car is ~11 %; more is lettering, not a plate"),
    maxWidthShare: share().default(0.6).describe("Widest text line taken for a plate, as a share of the vehicle's width (a plate is ≤ 30 % of a car's rear)"),
    minAspect: z.number().min(0).default(0.8).describe('Text lines narrower than this for their height are not plates'),
    growHeight: z
      .number()
      .min(0)
      .max(2)
      .default(0.25)
      .describe("The plate around a text line: its height grows by this share on top and bottom (the plate's border round the characters)"),
    minPlateAspect: z
      .number()
      .min(0)
      .default(3)
      .describe('…and its width, around the line\'s centre, to at least this many times that height (the detector often boxes only part of the characters)'),
  })
  .prefault({})
  .describe('Which scene text on a vehicle is blurred as a plate (core/redaction/textPlates.ts)');

export const bandTextSchema = z
  .strictObject({
    top: share()
      .optional()
      .describe(
        'Top of the band searched for text, as a share of the frame height from the top. Default: from the camera geometry (the horizon less the slack and half the tallest line; core/redaction/frameRows.ts), or 0.38 where none is known',
      ),
    bottom: share().default(1).describe('Bottom of that band'),
    maxLongSide: z
      .int()
      .min(64)
      .max(4096)
      .default(1280)
      .describe("The band goes to the text model at most this wide (frames wider are shrunk: the model's time grows with its input)"),
    parts: z.int().min(1).max(8).default(2).describe('The band goes to the text model in this many side-by-side parts (less memory per run)'),
    partOverlapPx: z.number().min(0).default(160).describe('Neighbouring parts overlap by this many frame pixels (a plate up to this wide lies whole in one)'),
    onePartMaxPx: z
      .int()
      .min(0)
      .default(400_000)
      .describe(
        "With the lower rows at half scale (halfScaleLinePx), the rows above them go to the text model in one piece when its input is at most this many pixels (no overlap read twice), else in `parts` parts: onnxruntime keeps the memory of the largest input it has run",
      ),
    halfScaleLinePx: z
      .number()
      .min(0)
      .default(12)
      .describe(
        "Rows where the camera geometry puts every plate's line at least this many pixels high in the text model's input (near plates only, far below the horizon) go to it at half the band's scale, in one part (its smallest line there: half this); 0, or no camera geometry: the whole band at one scale",
      ),
    horizon: share()
      .optional()
      .describe(
        "A line is a plate only with its centre below this row (share of the frame height): a plate hangs no higher than geometry.plateCentreMaxM. Default: from the camera geometry (the horizon less the slack, and higher for a camera mounted lower than that), or 0.4 where none is known",
      ),
    minAspect: z.number().min(0).default(1.5).describe('Lines narrower than this for their height are not plates'),
    maxAspect: z.number().min(0).default(8).describe('Lines wider than this for their height are not plates (a plate is a short line; a shop sign a long one)'),
    minHeightPx: z.number().min(0).default(6).describe('Lines lower than this (frame pixels) are not searched as plates'),
    maxHeightShare: share()
      .default(0.08)
      .describe('Lines taller than this share of the frame height are not plates: a plate that near is on a vehicle filling the frame, which the object model finds'),
    cutEdgePx: z.number().min(0).default(2).describe("A vehicle box whose top lies this near the frame's top edge is cut by it: text on it with a plate's shape is shown to the plate model too"),
    maxCandidates: z.int().min(0).default(8).describe('At most this many lines per frame are shown to the plate model, best scored first'),
    confirmCropLineHeights: z.number().min(1).default(10).describe("The plate model looks at a square this many line heights on a side around the line…"),
    confirmCropMinPx: z.number().min(0).default(64).describe('…at least this many pixels, and 1.5 times the line wide'),
    confirmMinScore: share().default(0.2).describe('A line is a plate when the plate model finds a plate scored at least this centred on it'),
    growHeight: z.number().min(0).max(2).default(0.25).describe("The plate around a confirmed line: its height grows by this share up and down…"),
    minPlateAspect: z.number().min(0).default(4.5).describe("…and its width, around its centre, to at least this many times that height (an EU plate is 4.7 times as wide as high)"),
  })
  .prefault({})
  .describe('Plates of vehicles the object model does not find: scene text in the frame\'s lower band with a plate\'s shape, confirmed by the plate model (core/redaction/bandTextPlates.ts)');

export const planSchema = z
  .strictObject({
    facePad: z.number().min(0).max(2).default(0.4).describe('Each face grows by this fraction of its size on every side (detectors box the inner face)'),
    faceMinSidePx: z.number().min(0).default(20).describe('A padded face smaller than this on a side is grown to it around its centre'),
    platePad: z.number().min(0).max(2).default(0.15).describe('Each plate grows by this fraction of its width/height, plus at least platePadMinPx'),
    platePadMinPx: z.number().min(0).default(3).describe('Smallest plate padding, pixels'),
    headFraction: share().default(0.24).describe("Share of a standing person's box height, from its top, that holds the head"),
    headFractionSquat: share().default(0.4).describe('Same for a box not much taller than wide (sitting, cut off)'),
    headMaxWidths: z
      .number()
      .min(0)
      .default(0.5)
      .describe(
        "The head region reaches at most this many person-box widths below the box's top: a head is about half a shoulder width high, whatever share of the box's height it takes (a person cut by the frame, sitting, arms out)",
      ),
    headMarginX: share().default(0.1).describe("Margin left and right of the head region, as a share of the person's width"),
    headMarginTop: share().default(0.1).describe("Margin above the person box, as a share of its height (a box's top often cuts the hair)"),
    personMinScore: share().default(0).describe('Persons below this score get no head region'),
    headFace: z
      .strictObject({
        skipWhenFound: z
          .boolean()
          .default(true)
          .describe("A person whose head region holds a blurred face of their own gets no head region (the face's blur covers it)"),
        minWidthShare: share().default(0.15).describe("A face narrower than this share of the person box's width is not taken for that person's own"),
        maxWidthShare: z.number().min(0).default(1.5).describe('Nor a face wider than this share of it'),
        maxOffsetShare: z.number().min(0).default(1).describe("Nor a face whose centre lies further than this share of the person's width left or right of the box's middle"),
        minScore: share().default(0).describe('Only faces scored at least this stand in for a head region (weak hits are boxed less exactly)'),
        facePad: z
          .number()
          .min(0)
          .max(2)
          .default(0.45)
          .describe("A face standing in for a head region is blurred as a square on its centre: its longer side grown by this fraction on each end (the head round the inner face)"),
      })
      .prefault({})
      .describe('Head regions of persons whose face was found'),
    headEvidence: z
      .strictObject({
        minFacePx: z
          .number()
          .min(0)
          .default(12)
          .describe(
            "A person large enough that a face turned to the camera would be at least this many pixels wide (faceWidthShare × the box's width) gets a head region only where some face hit (minScore) lies in it: a head that large with no face hit at all is seen from behind. 0: every person without a blurred face gets a head region",
          ),
        faceWidthShare: share().default(0.4).describe("A face's width as a share of its person box's width (shoulders are about 2.5 faces wide)"),
        minScore: share()
          .optional()
          .describe("Lowest face hit that counts as evidence (default: the face model's calibrated reportMinScore)"),
      })
      .prefault({})
      .describe('Head regions of large persons need a face hit'),
    crowdFace: z
      .strictObject({
        maxHeightShare: share()
          .default(0.05)
          .describe("Only hits at most this share of the frame's height (54 px of 1080): the face model scores a face it sees that large high, so a weak large hit is texture"),
        maxSizeRatio: z.number().min(1).default(1.5).describe('The neighbour is at most this many times taller or shorter than the hit'),
        maxGapHeights: z
          .number()
          .min(0)
          .default(2)
          .describe("Their centres lie at most this many of the neighbour's heights apart left or right (0 turns the rule off)…"),
        maxRowHeights: z.number().min(0).default(1).describe('…and this many up or down'),
      })
      .prefault({})
      .describe(
        "A face hit at the supported floor (faceSupportedMinScore) is blurred beside a face blurred on its own score (faceAloneMinScore) of about its size, as inside a person box: in a crowd a face's neighbours are faces, and the object model boxes a dense crowd as few persons",
      ),
    faceEvidence: z
      .strictObject({
        occupantMaxFaceM: z
          .number()
          .min(0)
          .max(2)
          .default(0.3)
          .describe(
            "A face hit in a car's, bus's or truck's box counts as an occupant's (a weak face blurred in its cabin, a cue for occupant patches) only when, at that vehicle's scale (pixels per metre of the smallest vehicle of its label, by its box's height or width), it is at most this high, metres: an occupant sits behind the vehicle's nearest face (a face boxed 0.2 m high, geometry.faceHeightM, with half again for loose boxes). Larger hits on a vehicle are its lights and rear window, or a pedestrian in front, who has a person box. 0: any size",
          ),
      })
      .prefault({})
      .describe('Which face hits on vehicles are taken for occupants (core/redaction/faceEvidence.ts)'),
    faceAloneMinScore: share()
      .optional()
      .describe("A face below this is blurred only inside a person box or a vehicle's cabin (default: the face model's calibrated aloneMinScore)"),
    faceSupportedMinScore: share()
      .optional()
      .describe("Faces below this only mark occupants behind glass; from it up to faceAloneMinScore a face is blurred in a person box, a vehicle's cabin or beside a confirmed face (crowdFace) (default: the face model's calibrated supportedMinScore)"),
    vehicleCabinFraction: share().default(0.6).describe("Share of a vehicle box's height, from its top, where a weak face counts as supported"),
    largeFaceFraction: share().default(0.25).describe("A face taller than this share of the frame's height needs largeFaceMinScore"),
    largeFaceMinScore: share()
      .optional()
      .describe("Score a face that large needs (default: the face model's calibrated largeMinScore: weak giant hits are car fronts)"),
    plateZone: plateZoneSchema,
    cabinZone: cabinZoneSchema,
    textPlate: textPlateSchema,
  })
  .prefault({})
  .describe('Which regions of a frame get blurred (core/redaction/redactionPlan.ts)');

export const vehicleCropSchema = z
  .strictObject({
    enlarge: z.number().min(0).max(1).default(0.08).describe('Each vehicle box grows by this fraction on every side (plates sit on the box edge)'),
    minHeightPx: z.number().min(0).default(24).describe('Vehicles shorter than this carry no plate anyone could read'),
    maxCrops: z.int().min(0).default(16).describe('Upper bound on crops per frame, largest vehicles first'),
    mergeMaxSidePx: z.number().min(0).default(320).describe("Two crops become one when the joint crop's long side is at most this (0 = never)…"),
    mergeMaxAreaGrowth: z.number().min(1).default(1.3).describe("…and its area at most this multiple of the two crops' areas added up"),
  })
  .prefault({})
  .describe('Vehicle crops searched again for plates and text at close range');

export const geometryRulesSchema = z
  .strictObject({
    faceCentreMinM: z.number().min(0).max(5).default(1.45).describe("Lowest centre of a standing adult's face above the road, metres (a person 1.5 m tall)"),
    faceCentreMaxM: z.number().min(0).max(5).default(1.8).describe("Highest, metres (a person 1.9 m tall)"),
    faceHeightM: z
      .number()
      .min(0.05)
      .max(1)
      .default(0.2)
      .describe("Height of a face as the face model boxes it (brow to chin), metres: a face p pixels high is this many metres over p pixels away, in units of the focal length"),
    plateCentreMinM: z.number().min(0).max(5).default(0.3).describe("Lowest centre of a licence plate above the road, metres"),
    plateCentreMaxM: z.number().min(0).max(5).default(1.3).describe("Highest, metres (a bus's or a truck's)"),
    plateHeightM: z.number().min(0.02).max(1).default(0.11).describe("Height of a plate's text line, metres (an EU plate is 110 mm high)"),
    horizonSlackDeg: z
      .number()
      .min(0)
      .max(45)
      .default(10)
      .describe(
        "How far a frame's horizon may lie from where the configured geometry puts it, degrees of tilt (road grades, braking, a camera remounted): the face and text bands reach this much further up and down",
      ),
    fromObjects: z
      .boolean()
      .default(true)
      .describe("Place each frame's horizon by the persons and vehicles standing in it (their boxes end on the road, their heights are known), within horizonSlackDeg of the configured one; frames without any keep the configured horizon"),
    objectSlackDeg: z
      .number()
      .min(0)
      .max(45)
      .default(4)
      .describe("The bands' reach up and down, degrees of tilt, round a horizon placed by the frame's objects (their heights vary: a van is not a car)"),
  })
  .refine((g) => g.faceCentreMinM <= g.faceCentreMaxM && g.plateCentreMinM <= g.plateCentreMaxM, 'each Min must be at most its Max')
  .prefault({})
  .describe("How the rows of the frame where faces and plates can lie follow from the camera geometry (config camera.fovDeg, mountHeightM, pitchDeg; core/redaction/frameRows.ts)");

export const redactionSettingsSchema = z
  .strictObject({
    jpegQuality: z.int().min(1).max(100).default(85).describe('Quality of the redacted JPEG'),
    deadlineMs: z.int().min(1).optional().describe('A frame whose redaction runs past this many ms is dropped (DeadlineExceededError); none when absent'),
    style: z
      .enum(['blur', 'gaussian', 'fill'])
      .default('blur')
      .describe(
        "How regions are obscured: heavy Gaussian blur as three box passes a direction (blur), the same blur as one libvips Gaussian per region (gaussian: slower; the pixels of earlier releases), or a solid fill of the mean colour",
      ),
    concurrentLanes: z
      .boolean()
      .default(true)
      .describe('Run the face search on a worker thread of its own, alongside the object → plate searches; off, every model alone, one after the other'),
    models: z
      .strictObject({
        faces: z.string().min(1).default('yunet_n_dynamic').describe('Face detector (manifest name)'),
        plates: z.string().min(1).default('hyperlpr3_y5fu_640x_sim').describe('Plate detector on the whole frame'),
        vehiclePlates: z.string().min(1).default('hyperlpr3_y5fu_320x_sim').describe('Plate detector on vehicle crops'),
        text: z.string().min(1).nullable().default('ppocrv3_det_en').describe('Scene-text detector on vehicle crops (plates of any country); null: none'),
        objects: z.string().min(1).default('yolox_nano_416_coco').describe('Object detector for persons and vehicles'),
      })
      .prefault({})
      .describe('Which model does which job'),
    faces: z
      .strictObject({
        longSide: z.int().min(32).max(4096).default(960).describe("Long side of the face model's input for the whole frame"),
        scoreThreshold: share().optional().describe("Lowest face score reported (default: the face model's calibrated reportMinScore)"),
        nmsIou: share()
          .default(0.45)
          .describe("Overlap (IoU) above which the weaker of two face hits is dropped (YuNet's own default is 0.3): 0.45 keeps neighbouring faces of a crowd apart"),
        bandSearch: z.boolean().default(true).describe('Search the horizon band again enlarged (off: raise longSide, or faces under 20 px are lost)'),
        band: z
          .strictObject({ top: share(), bottom: share() })
          .refine((b) => b.top < b.bottom, 'band.top must be above band.bottom')
          .optional()
          .describe(
            "Rows (shares of the height, from the top) searched again enlarged: far pedestrians' heads lie near the horizon. Default: the rows where the faces of persons of geometry.faceCentreMinM–MaxM lie when at most bandMaxPx high, from the camera geometry (core/redaction/frameRows.ts), or 0.35–0.68 where none is known. Set, it wins over the geometry",
          ),
        bandScale: z.number().min(1).max(4).default(2).describe('Enlargement of the band'),
        bandMaxPx: z.number().min(1).default(48).describe('Faces from the band taller than this (frame pixels) are dropped (the whole-frame pass sees them)'),
        bandParts: z.int().min(1).max(8).default(2).describe('The band goes to the face model in this many side-by-side parts'),
        bandOverlapPx: z.number().min(0).optional().describe('How far each band part reaches past its share into the next (default 2 × bandMaxPx)'),
      })
      .prefault({})
      .describe('Face search'),
    plates: z
      .strictObject({
        objThreshold: share().default(0.25).describe('Plate objectness threshold'),
        closePlateMaxFrameSide: z.int().min(0).default(1280).describe('Frames with a long side up to this get a second plate pass at half size'),
        vehicleCrops: z.boolean().default(true).describe('Search each vehicle box again for plates (and text) at close range'),
      })
      .prefault({})
      .describe('Plate search'),
    text: z
      .strictObject({
        cropLongSide: z.int().min(64).max(1280).default(320).describe('Smallest long side of the text model input for a vehicle crop (multiple of 32)'),
        cropScale: z.number().min(0.25).max(4).default(4).describe('A vehicle crop goes to the text model enlarged this many times…'),
        cropMaxLongSide: z
          .int()
          .min(64)
          .max(1280)
          .default(640)
          .describe("…at most this long on its long side: a large vehicle's plate, shrunk to cropLongSide, falls under what the text model finds"),
        minVehicleHeightShare: share()
          .default(0.167)
          .describe(
            'Vehicle crops shorter than this share of the frame height get no text search: a plate zone covers the plate of a vehicle that small (plan.plateZone.maxVehicleHeightShare) and its characters are too small to find',
          ),
        maxCrops: z.int().min(0).default(6).describe('At most this many vehicle crops per frame get a text search, largest first'),
        onlyWithoutPlate: z
          .boolean()
          .default(true)
          .describe('Search only the vehicle crops on which the plate model found no plate (the text model is the second view, for the plates it misses)'),
        lowerPartOnly: z
          .boolean()
          .default(true)
          .describe("Read only the part of a vehicle crop where a plate line can be (from plan.textPlate.bandTop less half its maxHeightShare of the vehicle's height down), at the scale of the whole crop; off: the whole crop"),
        bandSearch: z
          .boolean()
          .default(true)
          .describe("Search the frame's lower band for text with a plate's shape, each line confirmed by the plate model on a close crop (plates of vehicles the object model does not find)"),
        band: bandTextSchema,
      })
      .prefault({})
      .describe('Scene-text search for plates'),
    objects: z
      .strictObject({
        tiles: z.int().min(0).max(8).default(2).describe('Own person/vehicle search in this many full-height column tiles (0 = only the objects passed in)'),
        tileScoreThreshold: share().default(0.15).describe('Score threshold of that search (a missed head costs more than a blurred patch of wall)'),
      })
      .prefault({})
      .describe('Person and vehicle search for the cascades'),
    plan: planSchema,
    vehicleCrop: vehicleCropSchema,
    geometry: geometryRulesSchema,
  })
  .describe('Redaction settings: which models, how they search, which regions get blurred');

export type RedactionSettings = z.infer<typeof redactionSettingsSchema>;
/** What a caller may give: any part, the rest defaulted. */
export type RedactionSettingsInput = z.input<typeof redactionSettingsSchema>;
export type PlanSettings = z.infer<typeof planSchema>;
export type PlateZoneOptions = z.infer<typeof plateZoneSchema>;
export type CabinZoneOptions = z.infer<typeof cabinZoneSchema>;
export type TextPlateOptions = z.infer<typeof textPlateSchema>;
export type BandTextSettings = z.infer<typeof bandTextSchema>;
/**
 * The band's options with its rows resolved (from the settings, else the camera geometry, else the fallback rows);
 * `horizonRise`: rows per pixel of line height a line may sit above `horizon` (a camera mounted lower than the highest
 * plate sees near high plates above the horizon).
 */
export type BandTextOptions = Omit<BandTextSettings, 'top' | 'horizon'> & {
  top: number;
  horizon: number;
  horizonRise?: number;
  /** Share of the frame height from which the band goes to the text model at half scale (halfScaleLinePx); none: one scale. */
  halfScaleTop?: number;
};
export type VehicleCropOptions = z.infer<typeof vehicleCropSchema>;
export type GeometryRules = z.infer<typeof geometryRulesSchema>;

/**
 * Validated settings with every default filled in; throws an Error naming each bad key (e.g. `faces.band.top:
 * Too big`) — the same whether they come from the config file or `--redactor '{…}'`.
 */
export function parseRedactionSettings(input: unknown, where = 'redaction settings'): RedactionSettings {
  const r = redactionSettingsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`${where}: ${issues.join('; ')}`);
}
