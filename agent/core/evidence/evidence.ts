// The metadata that travels with each piece of redacted evidence (uploaded as {id}.json).
import type { ModelInfo, RedactedRegion } from '../detection/detection.ts';

export interface EvidenceMeta {
  readonly id: string;
  readonly vehicleId: string;
  readonly fleetId: string;
  readonly taskId: string;
  readonly revision: number;
  readonly purpose: string;
  /** ISO 8601 time the frame was taken. */
  readonly capturedAt: string;
  readonly lat: number;
  readonly lon: number;
  readonly speedKmh: number | null;
  readonly headingDeg: number | null;
  /** What the task looked for and was seen, with the best score of each. */
  readonly found: readonly { readonly label: string; readonly score: number; readonly count: number }[];
  readonly models: readonly ModelInfo[];
  /** Counts of regions blurred. */
  readonly faces: number;
  readonly plates: number;
  readonly redactedRegions: number;
  /** Every region blurred, in pixels of the JPEG (no pixels of its own): for reviewers who check the redaction. */
  readonly regions?: readonly { readonly kind: string; readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number }[];
  readonly retentionDays: number;
  /** sha256 of the redacted JPEG, hex. */
  readonly sha256: string;
  readonly bytes: number;
}

export function regionCounts(regions: readonly RedactedRegion[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of regions) counts[r.kind] = (counts[r.kind] ?? 0) + 1;
  return counts;
}
