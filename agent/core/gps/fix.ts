// A position fix as the agent uses it: receiver time, position, quality. The GPS port delivers these.
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
