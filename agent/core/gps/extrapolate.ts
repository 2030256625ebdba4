// Where the vehicle was when a frame was taken: the last fix moved on along its track at its speed, within bounds.
import type { LonLat } from '../geo/geo.ts';
import type { Fix } from './fix.ts';

const METRES_PER_DEGREE_LAT = 111_320;

/**
 * Moves the fix forward to `atMs` with its speed and track (dead reckoning on a local flat-earth approximation,
 * exact to centimetres over the few metres involved). Beyond `maxAheadMs` it stops moving, so an old fix is not
 * guessed far; a fix stamped after `atMs` (receiver clock ahead) is not moved back. Without speed or track the fix
 * position is returned as it is.
 */
export function positionAt(fix: Fix, atMs: number, maxAheadMs: number): LonLat {
  if (fix.speedMps === undefined || fix.trackDeg === undefined) return { lon: fix.lon, lat: fix.lat };
  const dtS = Math.max(0, Math.min(maxAheadMs, atMs - fix.timeMs)) / 1000;
  const distanceM = fix.speedMps * dtS;
  const trackRad = (fix.trackDeg * Math.PI) / 180;
  const northM = distanceM * Math.cos(trackRad);
  const eastM = distanceM * Math.sin(trackRad);
  const lat = fix.lat + northM / METRES_PER_DEGREE_LAT;
  const lon = fix.lon + eastM / (METRES_PER_DEGREE_LAT * Math.cos((fix.lat * Math.PI) / 180));
  return { lon, lat };
}
