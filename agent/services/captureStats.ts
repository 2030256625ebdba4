// Counters of the capture chain, for logs, the status message and the demo's summary.
export interface CaptureStats {
  fixes: number;
  /** Fixes not used: no fix, too inaccurate, stale, or out of order. */
  fixesRejected: number;
  triggers: number;
  framesCaptured: number;
  framesDroppedNoTarget: number;
  framesDroppedRedactionFailed: number;
  /** Of those, frames whose redaction overran redaction.deadlineMs. */
  framesDroppedDeadline: number;
  framesDroppedCameraFailed: number;
  framesSkippedBusy: number;
  facesBlurred: number;
  platesBlurred: number;
  evidenceQueued: number;
}

export function emptyCaptureStats(): CaptureStats {
  return {
    fixes: 0,
    fixesRejected: 0,
    triggers: 0,
    framesCaptured: 0,
    framesDroppedNoTarget: 0,
    framesDroppedRedactionFailed: 0,
    framesDroppedDeadline: 0,
    framesDroppedCameraFailed: 0,
    framesSkippedBusy: 0,
    facesBlurred: 0,
    platesBlurred: 0,
    evidenceQueued: 0,
  };
}
