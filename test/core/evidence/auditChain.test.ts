import { describe, expect, it } from 'vitest';
import { auditHash, GENESIS_HASH, verifyChain, type AuditRecord } from '../../../agent/core/evidence/auditChain.ts';

function chain(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let i = 1; i <= n; i++) {
    const content = { seq: i, atMs: 1_000 * i, kind: 'captured', taskId: 't', evidenceId: `e${i}`, detail: '{"bytes":3}', prevHash: out.at(-1)?.hash ?? GENESIS_HASH };
    out.push({ ...content, hash: auditHash(content) });
  }
  return out;
}

describe('verifyChain', () => {
  it('accepts an intact chain and an empty one', () => {
    expect(verifyChain(chain(5))).toMatchObject({ ok: true, records: 5 });
    expect(verifyChain([])).toEqual({ ok: true, records: 0, lastHash: GENESIS_HASH });
  });

  it.each([
    ['an altered detail', (c: AuditRecord[]) => (c[2] = { ...c[2]!, detail: '{"bytes":4}' }), 3, /altered/],
    ['an altered kind with its hash recomputed', (c: AuditRecord[]) => (c[2] = { ...c[2]!, kind: 'deleted', hash: auditHash({ ...c[2]!, kind: 'deleted' }) }), 4, /does not point/],
    ['a removed record', (c: AuditRecord[]) => c.splice(1, 1), 3, /removed/],
    ['a removed first record', (c: AuditRecord[]) => c.shift(), 2, /removed/],
  ] as const)('finds %s', (_name, tamper, seq, reason) => {
    const c = chain(5);
    tamper(c);
    const verdict = verifyChain(c);
    expect(verdict.ok).toBe(false);
    expect(verdict).toMatchObject({ seq });
    if (!verdict.ok) expect(verdict.reason).toMatch(reason);
  });
});
