import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { judgeHealth } from '../../../agent/core/status/health.ts';
import { parseManifest, type ReceivedManifest } from '../../../agent/core/tasks/manifest.ts';
import { signTask } from '../../../agent/core/tasks/taskSignature.ts';
import { TaskSyncState } from '../../../agent/core/tasks/taskSync.ts';

const keys = generateKeyPairSync('ed25519');
const pem = keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const limits = { maxBytes: 1024 * 1024, publicKeys: [keys.publicKey] };
const vehicle = { vehicleId: 'v1' };

function manifest(changes: Record<string, unknown> = {}, sign = true): string {
  const m = { scope: vehicle, revision: 3, issuedAt: '2026-12-01T08:00:00Z', tasks: [{ id: 'a', revision: 1 }], ...changes };
  return JSON.stringify(sign ? signTask(m, pem) : m);
}

function received(scope: 'vehicle' | 'fleet', revision: number, tasks: Record<string, number>): ReceivedManifest {
  return { scope, revision, issuedAt: '2026-12-01T08:00:00Z', tasks: new Map(Object.entries(tasks)) };
}

describe('parseManifest', () => {
  it('takes a signed manifest of its own scope', () => {
    const result = parseManifest(manifest(), vehicle, limits);
    expect(result).toMatchObject({ ok: true, manifest: { scope: 'vehicle', revision: 3 } });
    expect(result.ok && [...result.manifest.tasks]).toEqual([['a', 1]]);
  });

  it.each([
    ['unsigned', manifest({}, false), vehicle, /not signed/],
    ['signed by no trusted key', JSON.stringify(signTask(JSON.parse(manifest({}, false)) as Record<string, unknown>, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString())), vehicle, /does not verify/],
    ['changed after signing', JSON.stringify({ ...(JSON.parse(manifest()) as object), revision: 4 }), vehicle, /does not verify/],
    ['for another vehicle', manifest({ scope: { vehicleId: 'v2' } }), vehicle, /for vehicle "v2", but arrived on the topic of vehicle "v1"/],
    ['for the fleet, on the vehicle topic', manifest({ scope: { fleetId: 'f' } }), vehicle, /for fleet "f"/],
    ['not JSON', 'nope', vehicle, /not JSON/],
    ['too deep', `{"a":${'['.repeat(10)}${']'.repeat(10)}}`, vehicle, /nested deeper/],
    ['too large', manifest({ tasks: Array.from({ length: 40_000 }, (_, i) => ({ id: `t${i}`, revision: 1 })) }), vehicle, /bytes; at most/],
    ['with a task listed twice', manifest({ tasks: [{ id: 'a', revision: 1 }, { id: 'a', revision: 2 }] }), vehicle, /listed twice/],
  ])('rejects one %s, saying why', (_name, payload, scope, why) => {
    const result = parseManifest(payload, scope, limits);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => e.message).join('; ')).toMatch(why);
  });
});

describe('TaskSyncState', () => {
  it('counts held, expected and missing over the merged manifests; the higher revision wins', () => {
    const held = new Map<string, number>([['a', 1], ['b', 1]]);
    const state = new TaskSyncState((id) => held.get(id));
    expect(state.hasManifest).toBe(false);
    expect(state.offer(received('vehicle', 2, { a: 1, b: 2 }))).toBe('accepted');
    expect(state.offer(received('fleet', 1, { c: 1, a: 1 }))).toBe('accepted');
    expect(state.figures()).toMatchObject({ held: 1, expected: 3, missing: 2 });
    expect(state.toFetch().map((t) => `${t.scope}:${t.id}@${t.revision}`).sort()).toEqual(['fleet:c@1', 'vehicle:b@2']);
    held.set('b', 3);
    expect(state.figures()).toMatchObject({ held: 2, missing: 1 });
  });

  it('never lets an older manifest replace a newer one', () => {
    const state = new TaskSyncState(() => undefined);
    state.offer(received('vehicle', 5, { a: 1 }));
    expect(state.offer(received('vehicle', 4, {}))).toBe('stale');
    expect(state.offer(received('vehicle', 5, {}))).toBe('unchanged');
    expect(state.figures().expected).toBe(1);
  });

  it('fetches a task again only once its answer is for an older revision or its absence is forgotten', () => {
    const state = new TaskSyncState(() => undefined);
    state.offer(received('vehicle', 1, { a: 1, b: 1, c: 1 }));
    state.noteAnswer('a', 1, 'rejected');
    state.noteAnswer('b', null, 'expired'); // unreadable revision: settles the listed one
    state.noteAbsent(state.toFetch());
    expect(state.toFetch()).toEqual([]);
    expect(state.figures()).toEqual({ held: 0, expected: 3, missing: 1, notOnBroker: 1, refused: 1, expired: 1 });
    state.retryAbsent();
    expect(state.toFetch().map((t) => t.id)).toEqual(['c']);
    state.offer(received('vehicle', 2, { a: 2, b: 1, c: 1 }));
    expect(state.toFetch().map((t) => t.id)).toEqual(['a', 'c']);
  });

  it('remembers answers only for listed tasks, so junk cannot grow it', () => {
    const state = new TaskSyncState(() => undefined);
    state.offer(received('vehicle', 1, { a: 1 }));
    for (let i = 0; i < 1_000; i++) state.noteAnswer(`junk-${i}`, 1, 'rejected');
    expect(state.figures()).toMatchObject({ expected: 1, missing: 1, refused: 0 });
  });
});

describe('health with a manifest', () => {
  const base = { uptimeMs: 1_000, camera: { armed: false, state: 'off' as const, error: null, restartsInRow: 0 }, gps: { connected: true, fixAgeMs: 100 }, disk: { freeBytes: null } };
  const limitsH = { noFixMs: 60_000, minFreeBytes: 0 };
  it('is degraded while tasks are missing or refused, and ok once all are held', () => {
    expect(judgeHealth({ ...base, taskSync: { expected: 10, missing: 2, notOnBroker: 1, refused: 0 } }, limitsH)).toEqual({
      health: 'degraded',
      reasons: ['tasks missing: 2 of 10 assigned not held (1 not on the broker)'],
    });
    expect(judgeHealth({ ...base, taskSync: { expected: 10, missing: 0, notOnBroker: 0, refused: 1 } }, limitsH).reasons).toEqual([
      'tasks refused: 1 assigned task(s) rejected (see their acks)',
    ]);
    expect(judgeHealth({ ...base, taskSync: { expected: 10, missing: 0, notOnBroker: 0, refused: 0 } }, limitsH).health).toBe('ok');
    expect(judgeHealth({ ...base, taskSync: null }, limitsH).health).toBe('ok');
  });
});
