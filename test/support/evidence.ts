// Builds evidence metadata for queue and upload tests.
import { randomUUID } from 'node:crypto';
import type { EvidenceMeta } from '../../agent/core/evidence/evidence.ts';

export function sampleMeta(changes: Partial<EvidenceMeta> = {}): EvidenceMeta {
  return {
    id: randomUUID(),
    vehicleId: 'v1',
    fleetId: 'f1',
    taskId: 'permit-4711',
    revision: 1,
    purpose: 'test',
    capturedAt: '2026-12-10T12:00:00.000Z',
    lat: 55.6897,
    lon: 12.5545,
    speedKmh: 36,
    headingDeg: 315,
    found: [{ label: 'car', score: 0.9, count: 1 }],
    models: [{ name: 'm', sha256: 'a'.repeat(64) }],
    faces: 0,
    plates: 0,
    redactedRegions: 0,
    retentionDays: 30,
    sha256: 'b'.repeat(64),
    bytes: 3,
    ...changes,
  };
}
