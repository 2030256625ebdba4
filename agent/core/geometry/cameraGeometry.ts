// Where things at a known height above the road appear in a frame, from the camera's opening angle, mount height and
// pitch (a pinhole camera over a flat road): the horizon row, and the row of a point at a height and distance.

/** How the camera sits on the vehicle (config `camera.fovDeg`, `camera.mountHeightM`, `camera.pitchDeg`). */
export interface CameraGeometry {
  /** Horizontal opening angle, degrees. */
  readonly fovDeg: number;
  /** Height of the lens above the road, metres. */
  readonly mountHeightM: number;
  /** Tilt of the optical axis below level, degrees (0 = level, positive = looking down). */
  readonly pitchDeg: number;
}

const RAD = Math.PI / 180;

/**
 * Widest horizontal opening, degrees, for which the rows here hold: a pinhole over a flat road. Fisheye and 360° lenses
 * (config fovDeg up to 360, which the trigger uses) bend rows far from the middle, so no band is placed by them.
 */
export const PINHOLE_MAX_FOV_DEG = 150;

/** The geometry the rows may be derived from: `camera` when a pinhole describes its lens, else null (the fixed rows). */
export function pinholeGeometry(camera: CameraGeometry | null): CameraGeometry | null {
  if (!camera || camera.fovDeg > PINHOLE_MAX_FOV_DEG) return null;
  return { fovDeg: camera.fovDeg, mountHeightM: camera.mountHeightM, pitchDeg: camera.pitchDeg };
}

/** Focal length in pixels of a frame `widthPx` wide with a horizontal opening of `fovDeg`. */
export function focalLengthPx(widthPx: number, fovDeg: number): number {
  return widthPx / 2 / Math.tan((Math.min(Math.max(fovDeg, 1), 179) * RAD) / 2);
}

/** Vertical opening angle of a `widthPx` × `heightPx` frame (square pixels), degrees. */
export function verticalFovDeg(widthPx: number, heightPx: number, fovDeg: number): number {
  return (2 * Math.atan(heightPx / 2 / focalLengthPx(widthPx, fovDeg))) / RAD;
}

/** Pixels a tilt of `deg` moves the horizon by, near the frame's middle. */
export function pixelsPerTilt(widthPx: number, fovDeg: number, deg: number): number {
  return focalLengthPx(widthPx, fovDeg) * Math.tan(deg * RAD);
}

/** Row (pixels from the top, fractional) of the horizon: where the road's far end and every point at lens height lie. */
export function horizonRow(g: CameraGeometry, widthPx: number, heightPx: number): number {
  return heightPx / 2 - focalLengthPx(widthPx, g.fovDeg) * Math.tan(g.pitchDeg * RAD);
}

/**
 * Row of a point `heightM` above the road, `distanceM` ahead of the lens (along the road), with the horizon at
 * `horizonPx` (default: where the geometry puts it; a frame's own estimate moves it, the camera tilting with it).
 */
export function rowAt(g: CameraGeometry, widthPx: number, heightPx: number, heightM: number, distanceM: number, horizonPx?: number): number {
  const f = focalLengthPx(widthPx, g.fovDeg);
  const level = horizonPx ?? horizonRow(g, widthPx, heightPx);
  // The optical axis's tilt that puts the horizon at `level`; the point's angle below level, measured from it.
  const pitch = Math.atan((heightPx / 2 - level) / f);
  const below = Math.atan2(g.mountHeightM - heightM, Math.max(distanceM, 1e-6));
  return heightPx / 2 + f * Math.tan(below - pitch);
}
