// Camera port: a live source that hands out, on request, the next frame it delivers; nothing older is kept.
import type { CameraState } from '../core/status/health.ts';
import type { Frame } from './frame.ts';

export interface CameraCondition {
  /** off: not started; starting: started, no frame yet; running: frames arrive; failed: see error. */
  readonly state: CameraState;
  readonly error: string | null;
  /** When the newest frame arrived (epoch ms); null when none since start. */
  readonly lastFrameAtMs: number | null;
}

export interface Camera {
  /** Starts the source; resolves once it runs (not necessarily once a frame has arrived). */
  start(signal: AbortSignal): Promise<void>;
  /** The next frame the source delivers, waiting up to timeoutMs; rejects on timeout or when the source failed. */
  grab(timeoutMs: number): Promise<Frame>;
  stop(): Promise<void>;
  /** Where the frames come from, for logs and the doctor; never holds credentials. */
  readonly label: string;
  /** How the source is, for supervision and the status. */
  condition(): CameraCondition;
}
