// The retention shortenings a task's new revisions made, remembered for evidence of an older revision that is still on
// its way to the queue (a frame taken before the revision arrived, queued after): it gets the shorter retention too,
// just as if it had been queued a moment earlier. Kept in memory: a frame on its way does not outlive the process.

interface Cap {
  readonly revision: number;
  readonly retentionDays: number;
}

/** Caps remembered per task; a frame is on its way for seconds, so only the latest few revisions can matter. */
const CAPS_PER_TASK = 8;

export class RetentionCaps {
  private readonly caps = new Map<string, Cap[]>();

  /** @param maxTasks tasks remembered; the one capped longest ago is forgotten first. */
  constructor(private readonly maxTasks = 1024) {}

  /** Revision `revision` of the task keeps evidence at most `retentionDays`. */
  record(taskId: string, revision: number, retentionDays: number): void {
    const caps = [...(this.caps.get(taskId) ?? []), { revision, retentionDays }].slice(-CAPS_PER_TASK);
    this.caps.delete(taskId);
    this.caps.set(taskId, caps);
    if (this.caps.size > this.maxTasks) this.caps.delete(this.caps.keys().next().value!);
  }

  /** The retention evidence taken under `revision` of the task may have: its own, shortened by every later revision. */
  retentionDaysFor(taskId: string, revision: number, retentionDays: number): number {
    let days = retentionDays;
    for (const cap of this.caps.get(taskId) ?? []) if (cap.revision > revision) days = Math.min(days, cap.retentionDays);
    return days;
  }
}
