// The central commands against a real Mosquitto, without a vehicle: thousands of tasks in one call with a bounded
// wait and a clear result per task, a manifest someone else put on the broker refused rather than signed over, and
// a withdrawal that cannot know its revision refused.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestSchema } from '../../agent/core/tasks/manifest.ts';
import { checkSignature, signTask } from '../../agent/core/tasks/taskSignature.ts';
import { connectCentral } from '../../tools/central/connection.ts';
import { centralPublish } from '../../tools/central/publish.ts';
import { readRetained } from '../../tools/central/retained.ts';
import { loadSigningKey } from '../../tools/central/signing.ts';
import { centralWithdraw } from '../../tools/central/withdraw.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { PERMIT_AREA } from '../support/tasks.ts';

describe('central commands against a broker', () => {
  let work: string;
  let broker: LocalBroker;
  let keyFile: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tilsyn-central-broker-'));
    broker = await startLocalBroker(await freeLoopbackPort());
    keyFile = path.join(work, 'central.pem');
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  }, 60_000);

  afterAll(async () => {
    await broker?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  const brokerOptions = () => ({ url: broker.url, prefix: 'tilsyn/v1' });
  const task = (id: string, revision = 1) => ({
    id,
    revision,
    purpose: 'test',
    area: PERMIT_AREA,
    validFrom: new Date(Date.now() - 60_000).toISOString(),
    validUntil: new Date(Date.now() + 3_600_000).toISOString(),
    lookFor: ['car'],
    retentionDays: 7,
  });

  it('publishes 2,000 tasks in one call, signed and retained, and says per task that the vehicle has not answered', async () => {
    const file = path.join(work, 'many.json');
    writeFileSync(file, JSON.stringify(Array.from({ length: 2000 }, (_, i) => task(`bulk-${i}`))));
    let out = '';
    const outcome = await centralPublish({ broker: brokerOptions(), keyFile, scope: { vehicleId: 'bus-9' }, files: [file], waitMs: 1_000, write: (t) => (out += t) });
    expect(outcome).toMatchObject({ code: 1, published: 2000, manifestRevision: 1 });
    expect(out).toContain('published 2000 task(s) to vehicle bus-9; manifest revision 1 lists 2000');
    expect(out).toContain('waiting up to 1 s for the acks: no status of bus-9 at the broker');
    expect(out.match(/no answer: vehicle offline \(the retained message waits for it\)/g)).toHaveLength(2000);
    expect(out).toContain('0 accepted, 0 rejected, 2000 unanswered');

    const client = await connectCentral(brokerOptions());
    try {
      const read = await readRetained(client, 'tilsyn/v1', ['tilsyn/v1/vehicle/bus-9/tasks/+', 'tilsyn/v1/vehicle/bus-9/manifest'], 20_000);
      expect(read.complete).toBe(true);
      const key = loadSigningKey(keyFile);
      const tasks = [...read.messages].filter(([topic]) => topic.includes('/tasks/')).map(([, p]) => JSON.parse(p.toString()) as Record<string, unknown>);
      expect(tasks).toHaveLength(2000);
      expect(tasks.every((t) => checkSignature(t, [key.publicKey]) === null && JSON.stringify(t['scope']) === '{"vehicleId":"bus-9"}')).toBe(true);
      const manifest = JSON.parse(read.messages.get('tilsyn/v1/vehicle/bus-9/manifest')!.toString()) as Record<string, unknown>;
      expect(manifestSchema.parse(manifest).tasks).toHaveLength(2000);
      expect(checkSignature(manifest, [key.publicKey])).toBeNull();
    } finally {
      await client.endAsync();
    }
  }, 120_000);

  it('refuses to build on a manifest another key signed, and starts a new one only when told', async () => {
    const intruder = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const planted = signTask({ scope: { fleetId: 'kbh' }, revision: 7, issuedAt: new Date().toISOString(), tasks: [{ id: 'planted', revision: 1 }] }, intruder);
    const client = await mqtt.connectAsync(broker.url, { clientId: 'intruder' });
    await client.publishAsync('tilsyn/v1/fleet/kbh/manifest', JSON.stringify(planted), { qos: 1, retain: true });
    await client.endAsync();
    const file = path.join(work, 'one.json');
    writeFileSync(file, JSON.stringify(task('permit-4711')));

    await expect(centralPublish({ broker: brokerOptions(), keyFile, scope: { fleetId: 'kbh' }, files: [file], waitMs: 0, write: () => undefined })).rejects.toThrow(
      /tilsyn\/v1\/fleet\/kbh\/manifest: the signature does not verify with any trusted key; --reset-manifest/,
    );
    let out = '';
    const outcome = await centralPublish({ broker: brokerOptions(), keyFile, scope: { fleetId: 'kbh' }, files: [file], waitMs: 0, resetManifest: true, write: (t) => (out += t) });
    expect(outcome).toMatchObject({ code: 0, manifestRevision: 1 });
    expect(out).toContain('manifest revision 1 lists 1');
    expect(out).toContain('no vehicle of fleet kbh is online at the broker');

    // A lower revision than the manifest lists would be stale on every vehicle: nothing is sent.
    writeFileSync(file, JSON.stringify(task('permit-4711', 0)));
    out = '';
    expect((await centralPublish({ broker: brokerOptions(), keyFile, scope: { fleetId: 'kbh' }, files: [file], waitMs: 0, write: (t) => (out += t) })).code).toBe(2);
    expect(out).toContain('revision 0 is below revision 1 in the manifest');
  }, 60_000);

  it('withdraws one above the highest revision seen, and refuses an id it knows no revision of', async () => {
    let out = '';
    const done = await centralWithdraw({ broker: brokerOptions(), keyFile, scope: { fleetId: 'kbh' }, taskIds: ['permit-4711'], waitMs: 0, write: (t) => (out += t) });
    expect(done).toMatchObject({ code: 0, withdrawn: [{ id: 'permit-4711', revision: 2 }] });
    expect(out).toContain('manifest revision 2 lists 0');
    out = '';
    const unknown = await centralWithdraw({ broker: brokerOptions(), keyFile, scope: { fleetId: 'kbh' }, taskIds: ['never-seen'], waitMs: 0, write: (t) => (out += t) });
    expect(unknown.code).toBe(2);
    expect(out).toContain('never-seen: no revision of it is retained for fleet kbh nor in its manifest; give --revision N');
    expect(out).toContain('nothing withdrawn');
  }, 60_000);
});
