// A camera frame: raw RGB pixels that live in RAM only, never written anywhere unredacted.
export interface Frame {
  /** Packed RGB, 3 bytes per pixel, row after row, no padding. */
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  /** Wall-clock time the frame was taken from the camera (epoch ms). */
  readonly capturedAtMs: number;
}
