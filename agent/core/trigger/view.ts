// Where a task's target point lies in the camera's field of view, from the vehicle's position and heading and the
// camera's mounting (offset from forward, opening angle, useful range).
import type { LonLat } from '../geo/geo.ts';

const METRES_PER_DEGREE_LAT = 111_320;

/** How the camera sits on the vehicle. */
export interface CameraView {
  /** Direction of the lens relative to the vehicle's heading, degrees clockwise: 0 = forward, 90 = right, -90 = left. */
  readonly headingOffsetDeg: number;
  /** Horizontal opening angle, degrees. */
  readonly fovDeg: number;
  /** Beyond this distance an object is too small in the frame to be judged, metres. */
  readonly rangeM: number;
}

export const DEFAULT_CAMERA_VIEW: CameraView = { headingOffsetDeg: 0, fovDeg: 90, rangeM: 30 };

/** Below this speed, a GPS course over ground is noise, so the vehicle's heading counts as unknown. */
export const MIN_HEADING_SPEED_MPS = 0.5;

export interface Target {
  /** [longitude, latitude] of the object. */
  readonly point: readonly [number, number];
  /** Frames only within this distance of the point, metres. */
  readonly radiusM: number;
}

export interface TargetInView {
  /** Inside the opening angle, within the camera's range and within the target's radius. */
  readonly inView: boolean;
  readonly distanceM: number;
  /** Angle between the lens axis and the line to the target, degrees, -180…180 (negative: left of the axis). */
  readonly offCentreDeg: number;
}

/** Bearing (degrees clockwise from north) and distance from a position to a point, on a local flat projection. */
export function bearingAndDistance(from: LonLat, to: readonly [number, number]): { bearingDeg: number; distanceM: number } {
  const eastM = (to[0] - from.lon) * METRES_PER_DEGREE_LAT * Math.cos((from.lat * Math.PI) / 180);
  const northM = (to[1] - from.lat) * METRES_PER_DEGREE_LAT;
  return { bearingDeg: (Math.atan2(eastM, northM) * 180) / Math.PI, distanceM: Math.hypot(eastM, northM) };
}

/** Wraps an angle into -180…180. */
export function wrapDeg(deg: number): number {
  const d = (((deg + 180) % 360) + 360) % 360 - 180;
  return d === -180 ? 180 : d;
}

/** Where the target lies for a camera on a vehicle at `position` heading `headingDeg` (course over ground). */
export function targetInView(position: LonLat, headingDeg: number, target: Target, camera: CameraView): TargetInView {
  const { bearingDeg, distanceM } = bearingAndDistance(position, target.point);
  const offCentreDeg = wrapDeg(bearingDeg - (headingDeg + camera.headingOffsetDeg));
  const inView = Math.abs(offCentreDeg) <= camera.fovDeg / 2 && distanceM <= Math.min(camera.rangeM, target.radiusM);
  return { inView, distanceM, offCentreDeg };
}

/** A position moved `metres` along a heading (flat projection; exact enough over tens of metres). */
export function moveAlong(position: LonLat, headingDeg: number, metres: number): LonLat {
  const rad = (headingDeg * Math.PI) / 180;
  return {
    lat: position.lat + (metres * Math.cos(rad)) / METRES_PER_DEGREE_LAT,
    lon: position.lon + (metres * Math.sin(rad)) / (METRES_PER_DEGREE_LAT * Math.cos((position.lat * Math.PI) / 180)),
  };
}
