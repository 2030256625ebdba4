// The settings of the redaction plan: which regions of a frame get blurred round what the models found (faces, head
// regions, plate zones, occupant patches, text plates). Part of the redaction settings (redactionSettings.ts).
import { z } from 'zod';

export const share = () => z.number().min(0).max(1);

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
    headFound: z
      .strictObject({
        minScore: share()
          .optional()
          .describe(
            "A person with no blurred face of their own whose head region holds the centre of a blurred face scored at least this, of a size that fits the person (headFace.minWidthShare–maxWidthShare of the box's width), has their head found: the region shrinks to the head square round that face (headFace.facePad). The face went to another person box on the same person, or lies off the box's middle. Default: the face model's calibrated aloneMinScore (a face blurred on its own score); 1 turns the rule off",
          ),
        maxOffsetShare: z
          .number()
          .min(0)
          .default(0.5)
          .describe("…with its centre at most this share of the person's width left or right of the box's middle: 0.5, over the box's own columns (a face further aside is a neighbour's)"),
      })
      .prefault({})
      .describe('Head regions whose head a confirmed face has found'),
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

export type PlanSettings = z.infer<typeof planSchema>;
export type PlateZoneOptions = z.infer<typeof plateZoneSchema>;
export type CabinZoneOptions = z.infer<typeof cabinZoneSchema>;
export type TextPlateOptions = z.infer<typeof textPlateSchema>;
