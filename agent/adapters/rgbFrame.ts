// RGB buffers as GStreamer hands them over, made into the packed rows a Frame holds.

/**
 * GStreamer pads RGB rows to a multiple of 4 bytes; Frame wants packed rows.
 * Returns the buffer itself when it is already packed, a packed copy when rows are padded, undefined otherwise.
 */
export function packRgb(buf: Buffer, width: number, height: number): Buffer | undefined {
  const row = width * 3;
  if (buf.length === row * height) return buf;
  const stride = Math.ceil(row / 4) * 4;
  if (buf.length !== stride * height) return undefined;
  const out = Buffer.allocUnsafe(row * height);
  for (let y = 0; y < height; y++) buf.copy(out, y * row, y * stride, y * stride + row);
  return out;
}
