// How the camera of each evaluation set sits (config `camera.fovDeg`, `mountHeightM`, `pitchDeg`), and how that was
// found: each set is a different camera, and the redaction places its face and text bands by it.
import { z } from 'zod';
import type { CameraGeometry } from '../../agent/core/geometry/cameraGeometry.ts';

export interface SetCamera {
  /** null: no geometry known (photos from any height): the redactor searches its wide fallback rows. */
  readonly camera: CameraGeometry | null;
  readonly how: string;
}

// The row of a face p px high (0.2 m) is (mount − centre height)·p/0.2 below the horizon, a plate's (0.13 m annotated,
// border included) (mount − 0.5)·p/0.13: fitting the annotated boxes' rows against their heights gives the horizon
// and the mount height. No flat-road measure gives the focal length (it cancels out), so fovDeg is a typical
// dashcam's; it only converts the slack's degrees into rows and the horizon row into a pitch.
export const SET_CAMERAS: Readonly<Record<string, SetCamera>> = {
  'dashcam-dev': {
    camera: { fovDeg: 90, mountHeightM: 1.35, pitchDeg: 0 },
    how:
      'horizon at row 50 %: a least-squares fit of the annotated faces up to 48 px (row = 542 − 1.09·height) and the vanishing points read off ' +
      'frames (02171daf 45 %, 83681154 64 %: the set mixes mounts, so each frame\'s own horizon varies 37–65 %); mount 1.35 m from the ' +
      "faces' slope (centres ~1.6 m) and the plates' (6.3 rows per px below the horizon, plates at ~0.5 m); fovDeg assumed (typical dashcam)",
  },
  'plates-romania-dev': {
    camera: { fovDeg: 90, mountHeightM: 1.25, pitchDeg: 8.4 },
    how:
      'horizon at row 36.8 % (265 of 720): a least-squares fit of the annotated plates up to 48 px (row = 265 + 5.4·height), the road\'s ' +
      'vanishing point in t1054 at 37.5 %; pitch = atan((360 − 265) / focal length) with fovDeg 100 (assumed, a typical dashcam) = 10°; ' +
      'mount 1.2 m from the slope (5.4 × 0.13 m + plates at ~0.5 m)',
  },
  'faces-wider-street': { camera: null, how: 'photos from any height and tilt: no geometry, the fallback rows' },
  'plates-openalpr-eu': { camera: null, how: 'still photos of parked cars from any height: no geometry, the fallback rows' },
  'plates-openalpr-us': { camera: null, how: 'still photos of parked cars from any height: no geometry, the fallback rows' },
};

/** The set's camera by the set folder's name; null where none is known. */
export function setCamera(setName: string): CameraGeometry | null {
  return SET_CAMERAS[setName]?.camera ?? null;
}

/** A `--camera` option: "none" (no geometry: the fallback rows) or JSON with the config's three camera keys. */
export function parseCameraOption(text: string): CameraGeometry | null {
  if (text === 'none') return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`--camera: not JSON: ${text}`);
  }
  const g = z
    .strictObject({ fovDeg: z.number().min(1).max(179), mountHeightM: z.number().min(0.2).max(6), pitchDeg: z.number().min(-45).max(45) })
    .safeParse(json);
  if (!g.success) throw new Error(`--camera: ${g.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return g.data;
}
