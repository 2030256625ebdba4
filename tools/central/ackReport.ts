// Prints the vehicles' answers to what was sent: one line per task and vehicle, then the totals.
import type { AckResult } from './acks.ts';

export interface AckTotals {
  accepted: number;
  withdrawn: number;
  rejected: number;
  expired: number;
  unanswered: number;
}

export function totalsOf(results: readonly AckResult[]): AckTotals {
  const t: AckTotals = { accepted: 0, withdrawn: 0, rejected: 0, expired: 0, unanswered: 0 };
  for (const r of results) {
    if (r.ack === null) t.unanswered += 1;
    else t[r.ack.status] += 1;
  }
  return t;
}

/** The answers as text lines, sorted by task then vehicle; `offline` vehicles are named as such when unanswered. */
export function ackLines(results: readonly AckResult[], offline: ReadonlySet<string>): string[] {
  const sorted = [...results].sort((a, b) => cmp(a.taskId, b.taskId) || cmp(a.vehicleId, b.vehicleId));
  const idWidth = Math.max(4, ...sorted.map((r) => r.taskId.length));
  const vWidth = Math.max(7, ...sorted.map((r) => r.vehicleId.length));
  const lines = [`${'task'.padEnd(idWidth)}  ${'rev'.padStart(5)}  ${'vehicle'.padEnd(vWidth)}  answer`];
  for (const r of sorted) {
    const answer =
      r.ack === null
        ? offline.has(r.vehicleId)
          ? 'no answer: vehicle offline (the retained message waits for it)'
          : 'no answer in time'
        : r.ack.status === 'rejected'
          ? `rejected: ${r.ack.errors.map((e) => (e.path === '' ? e.message : `${e.path}: ${e.message}`)).join('; ')}`
          : r.ack.status;
    lines.push(`${r.taskId.padEnd(idWidth)}  ${String(r.revision).padStart(5)}  ${r.vehicleId.padEnd(vWidth)}  ${answer}`);
  }
  return lines;
}

export function totalsLine(t: AckTotals): string {
  const parts = [`${t.accepted} accepted`, `${t.rejected} rejected`, `${t.unanswered} unanswered`];
  if (t.withdrawn > 0) parts.splice(1, 0, `${t.withdrawn} withdrawn`);
  if (t.expired > 0) parts.splice(-1, 0, `${t.expired} expired`);
  return parts.join(', ');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
