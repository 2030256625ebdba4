// GPS port: a stream of position fixes.
import type { Fix } from '../core/gps/fix.ts';

export type { Fix };

export type FixListener = (fix: Fix) => void;

export interface GpsSource {
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  /** Registers a listener; returns the function that removes it. */
  onFix(listener: FixListener): () => void;
  /**
   * For sources behind a connection (gpsd): true while connected, false once a connection failed or was lost,
   * null before the first attempt has ended. Absent for sources without one (a replayed file).
   */
  readonly connected?: boolean | null;
}
