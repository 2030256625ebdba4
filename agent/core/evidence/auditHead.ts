// The signed audit head: the last record's sequence number and hash, signed with the device's Ed25519 key and published
// off the vehicle. Whoever holds a head can later tell whether the vehicle's chain still reaches it unchanged.
import { sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../tasks/canonicalJson.ts';
import { verifyChain, type AuditRecord, type ChainVerdict } from './auditChain.ts';

export const auditHeadSchema = z
  .strictObject({
    vehicleId: z.string().describe('The vehicle whose audit trail this is'),
    seq: z.int().min(0).describe('Sequence number of the last record (0: the trail is empty)'),
    hash: z.string().regex(/^[0-9a-f]{64}$/).describe('sha256 (hex) of that record, as the chain computes it; 64 zeros for an empty trail'),
    at: z.iso.datetime({ offset: true }).describe('When the head was taken (vehicle clock, UTC)'),
    signature: z
      .string()
      .regex(/^[A-Za-z0-9+/]{86}==$/)
      .nullable()
      .describe(
        'Ed25519 signature (base64) by the device key (/etc/tilsyn/device-key.pem; its public half is registered centrally) over the canonical JSON (sorted keys, no whitespace) of {vehicleId, seq, hash, at}; null when the vehicle has no audit.signingKeyFile',
      ),
  })
  .describe('Signed head of the audit trail; topic {prefix}/vehicle/{vehicleId}/audit, retained, QoS 1, every audit.headIntervalS and at stop');

export type AuditHead = z.infer<typeof auditHeadSchema>;

/** The bytes the device key signs. */
export function auditHeadSignedBytes(head: Pick<AuditHead, 'vehicleId' | 'seq' | 'hash' | 'at'>): Buffer {
  return Buffer.from(canonicalJson({ vehicleId: head.vehicleId, seq: head.seq, hash: head.hash, at: head.at }), 'utf8');
}

export function signAuditHead(head: Omit<AuditHead, 'signature'>, key: KeyObject | null): AuditHead {
  return { ...head, signature: key === null ? null : sign(null, auditHeadSignedBytes(head), key).toString('base64') };
}

/** Null when the signature verifies with the vehicle's public key, else why not. */
export function checkAuditHeadSignature(head: AuditHead, publicKey: KeyObject): string | null {
  if (head.signature === null) return 'the head is not signed';
  return verify(null, auditHeadSignedBytes(head), publicKey, Buffer.from(head.signature, 'base64')) ? null : 'the signature does not verify with the vehicle key';
}

export type HeadVerdict =
  | { readonly ok: true; readonly records: number; readonly lastSeq: number; readonly lastHash: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks a local chain (records in seq order, from `from`: genesis or a pruned trail's checkpoint) against a head
 * received centrally: the chain must verify and hold the head's record with the head's hash. A trail cut short, or
 * rewritten from any record up to the head, fails — even when it agrees with itself.
 */
export function verifyAgainstHead(records: Iterable<AuditRecord>, head: Pick<AuditHead, 'seq' | 'hash'>, from?: { seq: number; hash: string }): HeadVerdict {
  let atHead: AuditRecord | null = null;
  const watched = (function* () {
    for (const r of records) {
      if (r.seq === head.seq) atHead = r;
      yield r;
    }
  })();
  const chain: ChainVerdict = verifyChain(watched, from);
  if (!chain.ok) return { ok: false, reason: `audit trail broken at record ${chain.seq}: ${chain.reason}` };
  const lastSeq = (from?.seq ?? 0) + chain.records;
  if (head.seq === 0) return { ok: true, records: chain.records, lastSeq, lastHash: chain.lastHash };
  if (from !== undefined && head.seq <= from.seq) {
    if (head.seq === from.seq && head.hash === from.hash) return { ok: true, records: chain.records, lastSeq, lastHash: chain.lastHash };
    return { ok: false, reason: `record ${head.seq} was pruned here (the trail starts after checkpoint ${from.seq}); check it against the records shipped to the ingest` };
  }
  if (lastSeq < head.seq) return { ok: false, reason: `truncated: the head names record ${head.seq}, the local trail ends at ${lastSeq}` };
  const found = atHead as AuditRecord | null;
  if (found === null || found.hash !== head.hash) {
    return { ok: false, reason: `rewritten: record ${head.seq} has hash ${found?.hash ?? '(none)'}, the head says ${head.hash}` };
  }
  return { ok: true, records: chain.records, lastSeq, lastHash: chain.lastHash };
}
