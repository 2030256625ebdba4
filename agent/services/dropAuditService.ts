// Writes the counts of dropped frames to the audit trail (counts only, never pixels): every interval in which
// frames were dropped, and once more at stop, so the trail shows how much was seen and not kept.
import type { AuditTrail } from '../ports/auditTrail.ts';
import type { CaptureStats } from './captureStats.ts';

type DropCounts = Pick<CaptureStats, 'framesDroppedNoTarget' | 'framesDroppedRedactionFailed' | 'framesDroppedCameraFailed'>;

const KEYS = ['framesDroppedNoTarget', 'framesDroppedRedactionFailed', 'framesDroppedCameraFailed'] as const;

export class DropAuditService {
  private last: DropCounts = { framesDroppedNoTarget: 0, framesDroppedRedactionFailed: 0, framesDroppedCameraFailed: 0 };
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly everyMs: number,
    private readonly stats: () => CaptureStats,
    private readonly audit: () => AuditTrail,
  ) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => this.flush(), this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }

  /** Records the drops since the last record, if there were any. */
  flush(): void {
    const now = this.stats();
    const delta = Object.fromEntries(KEYS.map((k) => [k, now[k] - this.last[k]])) as DropCounts;
    if (KEYS.every((k) => delta[k] === 0)) return;
    this.audit().record({
      kind: 'frames-dropped',
      detail: { noTarget: delta.framesDroppedNoTarget, redactionFailed: delta.framesDroppedRedactionFailed, cameraFailed: delta.framesDroppedCameraFailed },
    });
    this.last = Object.fromEntries(KEYS.map((k) => [k, now[k]])) as DropCounts;
  }
}
