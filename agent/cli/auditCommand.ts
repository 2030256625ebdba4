// `tilsyn audit verify`: walks the audit trail's hash chain and says whether it is intact; with --head, whether it
// still reaches a head received centrally (a trail cut short or rewritten agrees with itself, not with the head).
import { readFileSync } from 'node:fs';
import { readAuditRecords, readCheckpoint } from '../adapters/sqliteAuditTrail.ts';
import { verifyChain } from '../core/evidence/auditChain.ts';
import { auditHeadSchema, checkAuditHeadSignature, verifyAgainstHead, type AuditHead } from '../core/evidence/auditHead.ts';
import { publicKeyFrom } from '../core/tasks/taskSignature.ts';
import { openQueueDbReadOnly } from './queueDb.ts';

export interface AuditVerifyOptions {
  readonly config: string;
  readonly head?: string;
  readonly publicKey?: string;
  readonly json?: boolean;
}

type Verdict = { ok: true; records: number; lastHash: string; head?: number } | { ok: false; reason: string };

export function auditVerifyCommand(options: AuditVerifyOptions, out: NodeJS.WritableStream = process.stdout): number {
  const head = options.head === undefined ? undefined : readHead(options.head);
  if (head !== undefined && options.publicKey !== undefined) {
    const problem = checkAuditHeadSignature(head, publicKeyFrom(readFileSync(options.publicKey, 'utf8')));
    if (problem !== null) return report({ ok: false, reason: `head ${options.head}: ${problem}` }, options, out);
  }
  const db = openQueueDbReadOnly(options.config);
  try {
    // One read transaction, so a running agent's appends cannot shift the tail under the walk.
    const verdict = db.transaction((): Verdict => {
      const checkpoint = readCheckpoint(db);
      const from = checkpoint.seq > 0 ? { seq: checkpoint.seq, hash: checkpoint.hash } : undefined;
      if (head !== undefined) {
        const v = verifyAgainstHead(readAuditRecords(db), head, from);
        return v.ok ? { ok: true, records: v.records, lastHash: v.lastHash, head: head.seq } : v;
      }
      const v = verifyChain(readAuditRecords(db), from);
      return v.ok ? { ok: true, records: v.records, lastHash: v.lastHash } : { ok: false, reason: `BROKEN at record ${v.seq}: ${v.reason} (${v.records} records before it verify)` };
    })();
    return report(verdict, options, out);
  } finally {
    db.close();
  }
}

function report(verdict: Verdict, options: AuditVerifyOptions, out: NodeJS.WritableStream): number {
  if (options.json === true) out.write(`${JSON.stringify(verdict)}\n`);
  else if (verdict.ok) {
    const against = verdict.head !== undefined ? `; reaches head record ${verdict.head} unchanged` : '';
    out.write(`audit trail intact: ${verdict.records} records, last hash ${verdict.lastHash}${against}\n`);
  } else out.write(`audit trail ${verdict.reason.startsWith('BROKEN') ? '' : 'does not match: '}${verdict.reason}\n`);
  return verdict.ok ? 0 : 1;
}

function readHead(file: string): AuditHead {
  const parsed = auditHeadSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not an audit head: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
