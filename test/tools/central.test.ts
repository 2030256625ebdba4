// The city's commands against a running agent (its own process, a real Mosquitto): `central publish` signs and
// publishes tasks with their scope, updates the manifest and prints each vehicle's ack; `central status` shows the
// fleet from the retained statuses; `central withdraw` makes the vehicle drop a task, and the manifest follows.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestSchema } from '../../agent/core/tasks/manifest.ts';
import { publicKeyBase64, checkSignature } from '../../agent/core/tasks/taskSignature.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { repoRoot, startAgent, until, type AgentProcess } from '../support/agentProcess.ts';
import { PERMIT_AREA } from '../support/tasks.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function central(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/central/main.ts', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function retained(url: string, topic: string): Promise<Record<string, unknown> | null> {
  const client = await mqtt.connectAsync(url, { clientId: `peek-${Math.random().toString(16).slice(2)}` });
  try {
    const got = new Promise<Record<string, unknown> | null>((resolve) => {
      client.once('message', (_t, payload) => resolve(payload.length === 0 ? null : (JSON.parse(payload.toString()) as Record<string, unknown>)));
      setTimeout(() => resolve(null), 3_000);
    });
    await client.subscribeAsync(topic, { qos: 1 });
    return await got;
  } finally {
    await client.endAsync();
  }
}

describe('central commands against a running agent', () => {
  let work: string;
  let broker: LocalBroker;
  let agent: AgentProcess;
  let keyFile: string;
  let publicKey: import('node:crypto').KeyObject;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tilsyn-central-'));
    broker = await startLocalBroker(await freeLoopbackPort());
    const pair = generateKeyPairSync('ed25519');
    publicKey = pair.publicKey;
    keyFile = path.join(work, 'central.pem');
    writeFileSync(keyFile, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const configFile = path.join(work, 'agent.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({
        vehicleId: 'sweeper-07',
        fleetId: 'kbh',
        dataDir: path.join(work, 'data'),
        gps: { source: 'nmea-file', path: path.join(repoRoot, 'fixtures/gps/short-drive.nmea'), loop: true },
        mqtt: { url: broker.url },
        camera: { source: 'test', fps: 2, width: 320, height: 240 },
        ingest: { url: 'http://127.0.0.1:9/', token: 't' },
        status: { intervalS: 5 },
        tasks: { publicKeys: [publicKeyBase64(pair.publicKey)] },
      }),
    );
    agent = startAgent(configFile);
    await agent.started(120_000);
  }, 180_000);

  afterAll(async () => {
    agent?.child.kill('SIGTERM');
    await agent?.exit;
    await broker?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('publish prints every ack, status shows the fleet, withdraw makes the vehicle drop the task', async () => {
    const nowMs = Date.now();
    const window = { validFrom: new Date(nowMs - 60_000).toISOString(), validUntil: new Date(nowMs + 3_600_000).toISOString() };
    const good = { id: 'permit-4711', revision: 1, purpose: 'Container permit check', area: PERMIT_AREA, lookFor: ['car'], retentionDays: 7, ...window };
    const unknownClass = { ...good, id: 'unicorn-count', lookFor: ['unicorn'] };
    writeFileSync(path.join(work, 'good.json'), JSON.stringify(good));
    writeFileSync(path.join(work, 'more.json'), JSON.stringify([unknownClass]));
    const common = ['--broker', broker.url, '--key', keyFile, '--fleet', 'kbh', '--wait-s', '60'];

    // The vehicle's status carries its fleet, so publish finds it without being told.
    await until(() => agent.output().includes('"msg":"mqtt connected"'), 30_000, () => agent.output());
    const published = await central(['publish', ...common, path.join(work, 'good.json'), path.join(work, 'more.json')]);
    expect(published.stderr).toBe('');
    expect(published.stdout).toContain('published 2 task(s) to fleet kbh; manifest revision 1 lists 2');
    expect(published.stdout).toMatch(/permit-4711\s+1\s+sweeper-07\s+accepted/);
    expect(published.stdout).toMatch(/unicorn-count\s+1\s+sweeper-07\s+rejected: lookFor: unknown class\(es\) unicorn/);
    expect(published.stdout).toContain('1 accepted, 1 rejected, 0 unanswered');
    expect(published.code).toBe(1);

    // Retained, signed and scoped: the task and the manifest.
    const task = await retained(broker.url, 'tilsyn/v1/fleet/kbh/tasks/permit-4711');
    expect(task).toMatchObject({ id: 'permit-4711', scope: { fleetId: 'kbh' } });
    expect(checkSignature(task!, [publicKey])).toBeNull();
    const manifest = await retained(broker.url, 'tilsyn/v1/fleet/kbh/manifest');
    expect(manifestSchema.parse(manifest)).toMatchObject({ scope: { fleetId: 'kbh' }, revision: 1, tasks: [{ id: 'permit-4711', revision: 1 }, { id: 'unicorn-count', revision: 1 }] });
    expect(checkSignature(manifest!, [publicKey])).toBeNull();

    // The fleet table: the vehicle online, holding one task.
    await until(() => agent.output().includes('"msg":"task accepted"'), 10_000, () => agent.output());
    let table: Run;
    const deadline = Date.now() + 30_000;
    do {
      table = await central(['status', '--broker', broker.url]);
    } while (!/sweeper-07\s+kbh\s+online\s+\S+\s+1\//.test(table.stdout) && Date.now() < deadline);
    expect(table.stdout.split('\n')[0]).toMatch(/^vehicle\s+fleet\s+state\s+health\s+tasks held\s+queue\s+last upload\s+status from/);
    // The vehicle checks itself against the manifest: the task it refused is assigned but not held, and it says so.
    expect(table.stdout).toMatch(/sweeper-07\s+kbh\s+online\s+degraded\s+1\/2 \(1 missing\)\s+0 \(0 KiB\)\s+-\s+\d+ s ago\s+tasks missing: 1 of 2/);
    const json = await central(['status', '--broker', broker.url, '--fleet', 'kbh', '--json']);
    const view = JSON.parse(json.stdout) as { complete: boolean; vehicles: unknown[] };
    expect(view.complete).toBe(true);
    expect(view.vehicles).toEqual([expect.objectContaining({ vehicleId: 'sweeper-07', fleetId: 'kbh', state: 'online', tasksHeld: 1, tasksAssigned: 2, taskSync: { held: 1, expected: 2, missing: 1 } })]);
    expect((await central(['status', '--broker', broker.url, '--fleet', 'other'])).stdout).toContain('no vehicle has a retained status');

    // Withdraw: a signed withdrawal above every revision seen; the vehicle confirms and drops the task.
    const withdrawn = await central(['withdraw', ...common, 'permit-4711']);
    expect(withdrawn.stderr).toBe('');
    expect(withdrawn.stdout).toContain('withdrew permit-4711 (revision 2) from fleet kbh; manifest revision 2 lists 1');
    expect(withdrawn.stdout).toMatch(/permit-4711\s+2\s+sweeper-07\s+withdrawn/);
    expect(withdrawn.code).toBe(0);
    await until(() => agent.output().includes('"msg":"task withdrawn"'), 10_000, () => agent.output());
    const after = await retained(broker.url, 'tilsyn/v1/fleet/kbh/tasks/permit-4711');
    expect(after).toMatchObject({ id: 'permit-4711', revision: 2, withdrawn: true, scope: { fleetId: 'kbh' } });
    expect(checkSignature(after!, [publicKey])).toBeNull();
    expect(manifestSchema.parse(await retained(broker.url, 'tilsyn/v1/fleet/kbh/manifest')).tasks).toEqual([{ id: 'unicorn-count', revision: 1 }]);
    // The next status (every 5 s) holds no task.
    const dropDeadline = Date.now() + 30_000;
    let held: number | undefined;
    do {
      const v = JSON.parse((await central(['status', '--broker', broker.url, '--vehicle', 'sweeper-07', '--json'])).stdout) as { vehicles: { tasksHeld: number }[] };
      held = v.vehicles[0]?.tasksHeld;
    } while (held !== 0 && Date.now() < dropDeadline);
    expect(held).toBe(0);

    // Nothing is sent for a bad file: the problem is named, the exit code says so.
    writeFileSync(path.join(work, 'bad.json'), JSON.stringify({ ...good, revision: 'one' }));
    const bad = await central(['publish', ...common, path.join(work, 'bad.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain('bad.json: revision:');
    expect(bad.stdout).toContain('nothing published');
  }, 240_000);
});
