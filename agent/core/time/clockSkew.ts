// The system clock against GPS time: how far apart they are, and whether that is too far to take frames or trust times.

/** Skew of the system clock against a fix's receiver time, ms: positive when the system clock is ahead. */
export function clockSkewMs(systemNowMs: number, fixTimeMs: number): number {
  return systemNowMs - fixTimeMs;
}

/** One sentence naming the skew, for the status reasons, the log and doctor. */
export function describeSkew(skewMs: number): string {
  const abs = Math.abs(skewMs);
  const size =
    abs >= 86_400_000 ? `${(abs / 86_400_000).toFixed(1)} d` : abs >= 3_600_000 ? `${(abs / 3_600_000).toFixed(1)} h` : `${(abs / 1000).toFixed(1)} s`;
  return `system clock ${skewMs > 0 ? 'ahead of' : 'behind'} GPS time by ${size} (${Math.round(skewMs / 1000)} s)`;
}

/** True when the clocks are further apart than the limit allows. */
export function isSkewed(skewMs: number | null, maxSkewMs: number): boolean {
  return skewMs !== null && Math.abs(skewMs) > maxSkewMs;
}
