import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { DEFAULT_TASK_LIMITS } from '../../agent/core/tasks/task.ts';
import { publicKeyBase64, publicKeyFrom, signTask } from '../../agent/core/tasks/taskSignature.ts';
import { eventually, scopeOf, startCentral, startTaskAgent, taskTopic, type TaskAgent } from '../support/taskAgent.ts';

const minimal = JSON.parse(readFileSync(new URL('../../fixtures/tasks/permit-4711.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const december = Date.parse('2026-12-10T12:00:00Z');
const repo = new URL('../..', import.meta.url).pathname;

let dir: string;
let broker: LocalBroker;
const file = (name: string) => path.join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

/** A CA, a broker certificate for 127.0.0.1 and a vehicle certificate, all made here for this test. */
function makeCertificates(): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=tilsyn test CA');
  for (const [name, cn, ext] of [
    ['broker', '127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ['vehicle', 'sweeper-07', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    writeFileSync(file(`${name}.ext`), `${ext}\n`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  }
  // A second CA the broker does not trust, for a forged vehicle certificate.
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'rogue.key', '-out', 'rogue.crt', '-days', '2', '-subj', '/CN=rogue');
  execFileSync('mosquitto_passwd', ['-b', '-c', file('passwd'), 'sweeper-07', 'vehicle-secret']);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-tls-'));
  makeCertificates();
  broker = await startLocalBroker(await freeLoopbackPort(), {
    tls: { caFile: file('ca.crt'), certFile: file('broker.crt'), keyFile: file('broker.key'), requireClientCert: true },
    passwordFile: file('passwd'),
  });
});

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const vehicleTls = () => ({
  caFile: file('ca.crt'),
  certFile: file('vehicle.crt'),
  keyFile: file('vehicle.key'),
  username: 'sweeper-07',
  password: 'vehicle-secret',
  protocolVersion: 5 as const,
});
const centralTls = () => ({
  ca: readFileSync(file('ca.crt')),
  cert: readFileSync(file('vehicle.crt')),
  key: readFileSync(file('vehicle.key')),
  username: 'sweeper-07',
  password: 'vehicle-secret',
});

describe('MQTT over TLS with client certificates, a password and signed tasks', () => {
  it('connects with mutual TLS and a password over MQTT 5, and takes only tasks signed by a trusted key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const keyFile = file('signing.pem');
    writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const limits = { ...DEFAULT_TASK_LIMITS, publicKeys: [publicKeyFrom(publicKeyBase64(publicKey))] };
    const agent = await startTaskAgent({ url: broker.url, nowMs: december, limits, channel: vehicleTls() });
    const central = await startCentral(broker.url, centralTls());
    try {
      expect(agent.channel.connected).toBe(true);
      // Signed by the central side's tool, as it would be in production.
      writeFileSync(file('task.json'), JSON.stringify({ ...minimal, scope: scopeOf('vehicle') }));
      execFileSync(process.execPath, ['--import', 'tsx', 'agent/main.ts', 'sign-task', '-k', keyFile, '-o', file('signed.json'), file('task.json')], { cwd: repo });
      const signed = readFileSync(file('signed.json'));
      const forged = signTask({ ...minimal, id: 'forged' }, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
      const tampered = { ...signTask({ ...minimal, id: 'tampered' }, readFileSync(keyFile, 'utf8')), retentionDays: 3650 };
      await central.client.publishAsync(taskTopic('vehicle', 'unsigned'), JSON.stringify({ ...minimal, id: 'unsigned' }), { qos: 1 });
      await central.client.publishAsync(taskTopic('vehicle', 'forged'), JSON.stringify(forged), { qos: 1 });
      await central.client.publishAsync(taskTopic('vehicle', 'tampered'), JSON.stringify(tampered), { qos: 1 });
      await central.client.publishAsync(taskTopic('vehicle', 'permit-4711'), signed, { qos: 1 });
      await eventually(() => expect(central.acks).toHaveLength(4));
      expect(central.acks.map((a) => [a.taskId, a.status, a.errors[0]?.message ?? ''])).toEqual([
        ['unsigned', 'rejected', expect.stringContaining('not signed')],
        ['forged', 'rejected', expect.stringContaining('does not verify')],
        ['tampered', 'rejected', expect.stringContaining('does not verify')],
        ['permit-4711', 'accepted', ''],
      ]);
      expect(agent.registry.all().map((t) => t.id)).toEqual(['permit-4711']);
    } finally {
      await central.client.endAsync();
      await agent.stop();
    }
  });

  it.each([
    ['without a client certificate', { certFile: undefined, keyFile: undefined }],
    ['with a certificate from a CA the broker does not trust', { certFile: 'rogue.crt', keyFile: 'rogue.key' }],
    ['with a wrong password', { password: 'guess' }],
    ['when it does not trust the broker', { caFile: 'rogue.crt' }],
  ])('stays unconnected %s', async (_name, change) => {
    const options: Record<string, unknown> = { ...vehicleTls() };
    for (const [k, v] of Object.entries(change)) {
      if (v === undefined) delete options[k];
      else options[k] = k === 'password' ? v : file(v);
    }
    let agent: TaskAgent | undefined;
    try {
      agent = await startTaskAgent({ url: broker.url, nowMs: december, channel: options });
      expect(agent.channel.connected).toBe(false);
    } finally {
      await agent?.stop();
    }
  });

  it('names the key of a certificate file it cannot read', async () => {
    await expect(startTaskAgent({ url: broker.url, nowMs: december, channel: { ...vehicleTls(), caFile: file('missing.crt') } })).rejects.toThrow(
      /mqtt\.caFile: cannot read .*missing\.crt/,
    );
  });
});
