// Online choice of the best N frames of a point target per pass: fire now only when this moment is among the best
// still to come on the current course.
//
// "Best" = the target closest to the lens axis (the smallest |off-centre angle|). The agent cannot wait for the whole
// pass and then pick — a frame not taken is gone — so at each fix it dead-reckons the rest of the pass along the
// current course and speed: the positions where the next frames could be taken (one every `stepM`), until the target
// has left the view. It fires now when fewer than `remaining` of those future chances would see the target more
// centrally than now. On a straight drive past a target this takes the N frames nearest to where the target crosses
// the lens axis (abeam for a side camera; the first frames in range for a forward camera, as the target only drifts
// off-centre as the vehicle closes in); after a turn the prediction is simply made again from the new course.
import type { LonLat } from '../geo/geo.ts';
import { moveAlong, targetInView, type CameraView, type Target, type TargetInView } from './view.ts';

/** The prediction looks at most this many frames ahead. */
const MAX_LOOKAHEAD = 200;

export interface ShotInput {
  readonly position: LonLat;
  readonly headingDeg: number;
  readonly target: Target;
  readonly camera: CameraView;
  /** Distance between the next chances to take a frame, metres (speed × fix interval, at least the spacing). */
  readonly stepM: number;
  /** Frames this pass may still take (N minus those taken). */
  readonly remaining: number;
}

export interface ShotDecision {
  readonly now: TargetInView;
  /** How many of the predicted future chances see the target more centrally than now. */
  readonly betterAhead: number;
  readonly fire: boolean;
}

export function judgeShot(input: ShotInput): ShotDecision {
  const now = targetInView(input.position, input.headingDeg, input.target, input.camera);
  if (!now.inView || input.remaining <= 0) return { now, betterAhead: 0, fire: false };
  let betterAhead = 0;
  if (input.stepM > 0) {
    // Future chances lie ahead until the target is out of view and moving away: past range, or past the lens side.
    const horizonM = now.distanceM + Math.min(input.camera.rangeM, input.target.radiusM);
    const steps = Math.min(MAX_LOOKAHEAD, Math.ceil(horizonM / input.stepM));
    for (let k = 1; k <= steps && betterAhead < input.remaining; k++) {
      const ahead = targetInView(moveAlong(input.position, input.headingDeg, k * input.stepM), input.headingDeg, input.target, input.camera);
      if (ahead.inView && Math.abs(ahead.offCentreDeg) < Math.abs(now.offCentreDeg)) betterAhead += 1;
    }
  }
  return { now, betterAhead, fire: betterAhead < input.remaining };
}
