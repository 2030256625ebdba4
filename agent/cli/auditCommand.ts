// `tilsyn audit verify`: walks the audit trail's hash chain and says whether it is intact.
import { readAuditRecords } from '../adapters/sqliteAuditTrail.ts';
import { verifyChain } from '../core/evidence/auditChain.ts';
import { openQueueDbReadOnly } from './queueDb.ts';

export function auditVerifyCommand(options: { config: string; json?: boolean }, out: NodeJS.WritableStream = process.stdout): number {
  const db = openQueueDbReadOnly(options.config);
  try {
    // One read transaction, so a running agent's appends cannot shift the tail under the walk.
    const verdict = db.transaction(() => verifyChain(readAuditRecords(db)))();
    if (options.json === true) out.write(`${JSON.stringify(verdict)}\n`);
    else if (verdict.ok) out.write(`audit trail intact: ${verdict.records} records, last hash ${verdict.lastHash}\n`);
    else out.write(`audit trail BROKEN at record ${verdict.seq}: ${verdict.reason} (${verdict.records} records before it verify)\n`);
    return verdict.ok ? 0 : 1;
  } finally {
    db.close();
  }
}
