// Counters of the capture chain, for logs, the status message and the demo's summary.
import type { SkipReason } from '../core/trigger/captureRules.ts';
import type { FixRejection } from '../core/gps/fixFilter.ts';

export interface CaptureStats {
  fixes: number;
  /** Fixes not used: no fix, too inaccurate, stale, or out of order. */
  fixesRejected: number;
  /** The same by reason: no-fix (mode 0/1), inaccurate (error over trigger.maxErrorM), stale, out-of-order. */
  fixesRejectedBy: Record<FixRejection, number>;
  /**
   * Per task and usable fix inside its area, why no frame was taken for it: entering (not enough inside fixes yet),
   * speed (over capture.maxSpeedKmh), pass-full (capture.maxFrames reached), spacing (capture.everyM not yet
   * travelled), heading-unknown / out-of-view / better-ahead (point targets).
   */
  triggerSkips: Record<SkipReason, number>;
  triggers: number;
  framesCaptured: number;
  framesDroppedNoTarget: number;
  framesDroppedRedactionFailed: number;
  /** Of those, frames whose redaction overran redaction.deadlineMs. */
  framesDroppedDeadline: number;
  framesDroppedCameraFailed: number;
  /**
   * Triggers not taken because capture.maxPendingFrames frames already waited for the redactor (the queue was full);
   * nothing was grabbed, and the trigger fired again on a later fix.
   */
  framesSkippedBusy: number;
  /** Most frames waiting for the redactor at once (besides the one in hand). */
  pendingFramesPeak: number;
  /** Most bytes of raw frames held in RAM at once by the capture chain: the waiting ones and the one in hand. */
  pendingFrameBytesPeak: number;
  facesBlurred: number;
  platesBlurred: number;
  evidenceQueued: number;
}

export function emptyCaptureStats(): CaptureStats {
  return {
    fixes: 0,
    fixesRejected: 0,
    fixesRejectedBy: { 'no-fix': 0, inaccurate: 0, stale: 0, 'out-of-order': 0 },
    triggerSkips: { entering: 0, speed: 0, 'pass-full': 0, spacing: 0, 'heading-unknown': 0, 'out-of-view': 0, 'better-ahead': 0 },
    triggers: 0,
    framesCaptured: 0,
    framesDroppedNoTarget: 0,
    framesDroppedRedactionFailed: 0,
    framesDroppedDeadline: 0,
    framesDroppedCameraFailed: 0,
    framesSkippedBusy: 0,
    pendingFramesPeak: 0,
    pendingFrameBytesPeak: 0,
    facesBlurred: 0,
    platesBlurred: 0,
    evidenceQueued: 0,
  };
}
