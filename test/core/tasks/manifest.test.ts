import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { manifestSchema, manifestTopic, nextManifest, scopedTaskTopic } from '../../../agent/core/tasks/manifest.ts';
import { checkSignature, signTask } from '../../../agent/core/tasks/taskSignature.ts';

describe('manifest', () => {
  it('takes upserts and removals, bumps the revision and sorts the entries', () => {
    const first = nextManifest(null, { fleetId: 'kbh' }, { upserts: [{ id: 'b', revision: 1 }, { id: 'a', revision: 2 }] }, Date.UTC(2026, 11, 1));
    expect(first).toEqual({ scope: { fleetId: 'kbh' }, revision: 1, issuedAt: '2026-12-01T00:00:00.000Z', tasks: [{ id: 'a', revision: 2 }, { id: 'b', revision: 1 }] });
    const second = nextManifest(first, { fleetId: 'kbh' }, { upserts: [{ id: 'b', revision: 4 }], removals: ['a'] }, Date.UTC(2026, 11, 2));
    expect(second.revision).toBe(2);
    expect(second.tasks).toEqual([{ id: 'b', revision: 4 }]);
  });

  it('is signed and checked like a task', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signed = signTask(nextManifest(null, { vehicleId: 'v1' }, { upserts: [{ id: 't', revision: 1 }] }, 0), privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    expect(manifestSchema.safeParse(signed).success).toBe(true);
    expect(checkSignature(signed, [publicKey])).toBeNull();
    expect(checkSignature({ ...signed, scope: { vehicleId: 'v2' } }, [publicKey])).toMatch(/does not verify/);
  });

  it('refuses a duplicate id, a scope with both ids and unknown keys', () => {
    const base = { scope: { fleetId: 'kbh' }, revision: 1, issuedAt: '2026-12-01T00:00:00Z', tasks: [] };
    expect(manifestSchema.safeParse(base).success).toBe(true);
    expect(manifestSchema.safeParse({ ...base, tasks: [{ id: 'a', revision: 1 }, { id: 'a', revision: 2 }] }).success).toBe(false);
    expect(manifestSchema.safeParse({ ...base, scope: { fleetId: 'kbh', vehicleId: 'v' } }).success).toBe(false);
    expect(manifestSchema.safeParse({ ...base, extra: 1 }).success).toBe(false);
    expect(manifestSchema.safeParse({ ...base, tasks: [{ id: 'a/b', revision: 1 }] }).success).toBe(false);
  });

  it('names the topics of its scope', () => {
    expect(manifestTopic('p', { vehicleId: 'v1' })).toBe('p/vehicle/v1/manifest');
    expect(manifestTopic('p', { fleetId: 'f' })).toBe('p/fleet/f/manifest');
    expect(scopedTaskTopic('p', { fleetId: 'f' }, 't1')).toBe('p/fleet/f/tasks/t1');
  });
});
