// Every trigger of a drive and what became of it, read from the agent's own log (pino JSON, one line per decision,
// each with the fix that fired it: lat, lon, fixAt).
export type Fate = 'kept' | 'outside' | 'no-target' | 'failed' | 'skipped';

export interface TriggerPoint {
  /** The fix that fired it (ISO 8601). */
  readonly fixAt: string;
  readonly lat: number;
  readonly lon: number;
  fate: Fate;
  readonly taskIds: string[];
  readonly evidenceIds: string[];
  /** In words: why it ended as it did. */
  detail: string;
}

/** Longest log line looked at; a decision line is a few hundred bytes. */
const MAX_LINE_CHARS = 64 * 1024;
const DECISIONS = new Set(['keep', 'drop', 'no-frame', 'skip']);

/** The triggers in the order they fired; lines that are not decisions (or not JSON) are passed over. */
export function triggersFromLog(text: string): TriggerPoint[] {
  const byFix = new Map<string, TriggerPoint>();
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.length > MAX_LINE_CHARS || !line.includes('"decision"')) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const { decision, lat, lon, fixAt } = entry;
    if (typeof decision !== 'string' || !DECISIONS.has(decision)) continue;
    if (typeof lat !== 'number' || typeof lon !== 'number' || typeof fixAt !== 'string' || !Number.isFinite(lat) || !Number.isFinite(lon)) continue;
    const point =
      byFix.get(fixAt) ??
      ({ fixAt, lat, lon, fate: 'skipped', taskIds: [], evidenceIds: [], detail: '' } satisfies TriggerPoint as TriggerPoint);
    byFix.set(fixAt, point);
    const taskIds = Array.isArray(entry['taskIds']) ? entry['taskIds'].filter((t): t is string => typeof t === 'string') : [];
    if (typeof entry['taskId'] === 'string') taskIds.push(entry['taskId']);
    for (const t of taskIds) if (!point.taskIds.includes(t)) point.taskIds.push(t);
    const reason = typeof entry['reason'] === 'string' ? entry['reason'] : '';
    if (decision === 'keep') {
      if (typeof entry['evidenceId'] === 'string') point.evidenceIds.push(entry['evidenceId']);
      point.fate = 'kept';
      point.detail = 'kept: redacted and queued';
    } else if (point.fate === 'kept') {
      continue;
    } else if (decision === 'drop') {
      point.fate = reason === 'no-target' ? 'no-target' : 'failed';
      point.detail = reason === 'no-target' ? 'dropped: nothing the task looks for' : `dropped: ${reason}`;
    } else if (decision === 'no-frame') {
      point.fate = 'skipped';
      point.detail = 'skipped: the camera gave no frame';
    } else {
      point.fate = 'skipped';
      point.detail = reason === 'busy' ? 'skipped: previous frame still in hand' : reason === 'queue-full' ? 'skipped: frame queue full' : `skipped: ${reason}`;
    }
  }
  return [...byFix.values()].sort((a, b) => (a.fixAt < b.fixAt ? -1 : a.fixAt > b.fixAt ? 1 : 0));
}
