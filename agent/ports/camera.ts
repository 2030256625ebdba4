// Camera port: a live source of which only the newest frame is ever handed out.
import type { Frame } from './frame.ts';

export interface Camera {
  /** Starts the source; resolves once it runs (not necessarily once a frame has arrived). */
  start(signal: AbortSignal): Promise<void>;
  /** The newest frame, waiting for one up to timeoutMs; rejects on timeout or when the source failed. */
  grab(timeoutMs: number): Promise<Frame>;
  stop(): Promise<void>;
}
