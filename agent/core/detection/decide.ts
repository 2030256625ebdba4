// The keep-or-drop rule for a frame: does it show something the task looks for?
import type { Detection } from './detection.ts';

export interface FoundClass {
  readonly label: string;
  readonly score: number;
  readonly count: number;
}

/** The task's classes seen in the frame at or above minScore, best score first; empty means drop the frame. */
export function findTargets(lookFor: readonly string[], detections: readonly Detection[], minScore: number): FoundClass[] {
  const wanted = new Set(lookFor);
  const byLabel = new Map<string, FoundClass>();
  for (const d of detections) {
    if (!wanted.has(d.label) || d.score < minScore) continue;
    const seen = byLabel.get(d.label);
    byLabel.set(d.label, {
      label: d.label,
      score: Math.max(seen?.score ?? 0, d.score),
      count: (seen?.count ?? 0) + 1,
    });
  }
  return [...byLabel.values()].sort((a, b) => b.score - a.score);
}
