import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../agent/ports/auditTrail.ts';
import { emptyCaptureStats } from '../../agent/services/captureStats.ts';
import { DropAuditService } from '../../agent/services/dropAuditService.ts';

describe('DropAuditService', () => {
  it('records the frames dropped since the last record, as counts, and nothing when none were dropped', async () => {
    const stats = emptyCaptureStats();
    const entries: AuditEntry[] = [];
    const service = new DropAuditService(3_600_000, () => stats, () => ({ record: (e) => entries.push(e) }));
    await service.start();
    service.flush();
    expect(entries).toEqual([]);
    stats.framesDroppedNoTarget = 4;
    stats.framesDroppedCameraFailed = 1;
    service.flush();
    stats.framesDroppedNoTarget = 6;
    await service.stop();
    expect(entries).toEqual([
      { kind: 'frames-dropped', detail: { noTarget: 4, redactionFailed: 0, cameraFailed: 1 } },
      { kind: 'frames-dropped', detail: { noTarget: 2, redactionFailed: 0, cameraFailed: 0 } },
    ]);
  });
});
