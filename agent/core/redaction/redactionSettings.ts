// Every setting of the redaction, in one typed, validated object: defaults and descriptions live here and, for the
// plan (which regions are blurred round what the models found), in planSettings.ts.
import { z } from 'zod';
import { planSchema, share } from './planSettings.ts';

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
