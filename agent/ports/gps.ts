// GPS port: a stream of position fixes.
export interface Fix {
  /** Time of the fix as reported by the receiver (epoch ms). */
  readonly timeMs: number;
  readonly lat: number;
  readonly lon: number;
  /** 0/1 = no fix, 2 = 2D, 3 = 3D (gpsd's TPV mode). */
  readonly mode: 0 | 1 | 2 | 3;
  readonly speedMps?: number;
  /** Course over ground, degrees clockwise from true north. */
  readonly trackDeg?: number;
  /** Estimated horizontal error in metres, where the receiver reports one. */
  readonly horizontalErrorM?: number;
}

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
