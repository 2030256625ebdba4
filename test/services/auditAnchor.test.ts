// An audit checkable from outside, against a real Mosquitto, a real HTTP ingest and the SQLite trail: the signed head
// arrives retained and verifies with the device's public key, the records reach the ingest and chain up to it, and a
// trail cut short or rewritten on the SD card — which still agrees with itself — fails `audit verify --head`.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { MqttTaskChannel } from '../../agent/adapters/mqttTaskChannel.ts';
import { SqliteEvidenceQueue } from '../../agent/adapters/sqliteEvidenceQueue.ts';
import { verifiedPut } from '../../agent/adapters/verifiedPut.ts';
import { auditVerifyCommand } from '../../agent/cli/auditCommand.ts';
import { auditHash, verifyChain, type AuditRecord } from '../../agent/core/evidence/auditChain.ts';
import { auditHeadSchema, checkAuditHeadSignature, signAuditHead, type AuditHead } from '../../agent/core/evidence/auditHead.ts';
import { systemClock } from '../../agent/ports/clock.ts';
import { AuditHeadService } from '../../agent/services/auditHeadService.ts';
import { AuditShipService } from '../../agent/services/auditShipService.ts';
import { startIngestReceiver } from '../../tools/demo/ingestReceiver.ts';
import { startLocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { testLogger } from '../support/logger.ts';
import { eventually } from '../support/taskAgent.ts';
import { TEST_PUBLIC_KEY } from '../support/tasks.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

const vehicleId = 'sweeper-07';

async function vehicle(options: { keepShippedMs?: number } = {}) {
  const work = mkdtempSync(path.join(tmpdir(), 'tilsyn-audit-'));
  const dataDir = path.join(work, 'data');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(path.join(work, 'device-key.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  const broker = await startLocalBroker(await freeLoopbackPort());
  stops.push(() => broker.stop());
  const ingest = await startIngestReceiver(path.join(work, 'ingest'), 'tok');
  stops.push(() => ingest.stop());
  const queue = new SqliteEvidenceQueue({ dataDir, nowMs: () => Date.now() }, testLogger);
  await queue.start();
  const channel = new MqttTaskChannel({ url: broker.url, prefix: 'tilsyn/v1', fleetId: 'kbh', vehicleId }, testLogger);
  await channel.start(new AbortController().signal);
  const head = new AuditHeadService({ vehicleId, intervalMs: 60_000 }, () => queue.auditLedger, () => privateKey, (p) => channel.publishAuditHead(p), systemClock, testLogger);
  const ship = new AuditShipService(
    { vehicleId, everyMs: 60_000, maxRecords: 3, ...options },
    () => queue.auditLedger,
    (name, body, signal) => verifiedPut({ token: 'tok', timeoutMs: 5_000 }, `${ingest.url}/${name}`, name, body, 'application/x-ndjson', signal),
    (seq, hash) => JSON.stringify(signAuditHead({ vehicleId, seq, hash, at: new Date().toISOString() }, privateKey)),
    systemClock,
    testLogger,
  );
  const config = path.join(work, 'agent.yaml');
  writeFileSync(
    config,
    `vehicleId: ${vehicleId}\nfleetId: kbh\ndataDir: ${dataDir}\ngps: { source: gpsd }\ncamera: { source: test }\nmqtt: { url: "${broker.url}" }\ningest: { url: "${ingest.url}", token: tok }\ntasks: { publicKeys: ["${TEST_PUBLIC_KEY}"] }\n`,
  );
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await ship.stop();
    await head.stop();
    await channel.stop();
    await queue.stop();
  };
  stops.push(stop);
  return { work, dataDir, queue, channel, head, ship, broker, ingest, config, publicKey, stop, pub: path.join(work, 'device-key.pub.pem') };
}

function verify(config: string, extra: { head?: string; publicKey?: string } = {}) {
  let text = '';
  const out = new Writable({ write: (c: Buffer, _e, done) => ((text += c.toString()), done()) });
  const code = auditVerifyCommand({ config, ...extra }, out);
  return { code, text };
}

/** What the central side holds: the retained head from the broker. */
async function retainedHead(url: string): Promise<AuditHead> {
  const client = await mqtt.connectAsync(url, { clientId: `central-${Math.random().toString(16).slice(2)}` });
  try {
    const got = new Promise<string>((resolve) => client.on('message', (_t, payload) => resolve(payload.toString())));
    await client.subscribeAsync(`tilsyn/v1/vehicle/${vehicleId}/audit`, { qos: 1 });
    return auditHeadSchema.parse(JSON.parse(await got));
  } finally {
    await client.endAsync();
  }
}

/** An attacker with the SD card: removes the last records and (optionally) appends forged ones that chain correctly. */
function tamper(dataDir: string, removeLast: number, forged: number): void {
  const db = new Database(path.join(dataDir, 'queue.sqlite'));
  db.exec('DROP TRIGGER IF EXISTS audit_no_delete');
  const max = (db.prepare('SELECT max(seq) AS m FROM audit').get() as { m: number }).m;
  db.prepare('DELETE FROM audit WHERE seq > ?').run(max - removeLast);
  let tail = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string };
  for (let i = 0; i < forged; i++) {
    const content = { seq: tail.seq + 1, atMs: Date.now(), kind: 'deleted', taskId: null, evidenceId: null, detail: '{"reason":"retention-expired"}', prevHash: tail.hash };
    const hash = auditHash(content);
    db.prepare('INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(content.seq, content.atMs, content.kind, null, null, content.detail, content.prevHash, hash);
    tail = { seq: content.seq, hash };
  }
  db.close();
}

describe('the audit anchored off the vehicle', () => {
  it('publishes a signed head retained, ships the records to the ingest, and detects truncation and rewriting with --head', async () => {
    const v = await vehicle();
    for (let i = 0; i < 7; i++) v.queue.audit.record({ kind: 'captured', taskId: 'permit-4711', evidenceId: `e${i}`, detail: { sha256: 'ab'.repeat(32) } });
    await v.head.start();
    await v.ship.start();
    await v.ship.shipNow();
    await v.stop(); // the final head goes out at stop

    const head = await retainedHead(v.broker.url);
    expect(head).toMatchObject({ vehicleId, seq: 7 });
    expect(checkAuditHeadSignature(head, v.publicKey)).toBeNull();
    expect(checkAuditHeadSignature({ ...head, seq: 5 }, v.publicKey)).toBe('the signature does not verify with the vehicle key');

    // The ingest holds every record, in files of at most 3, which chain from genesis to the head's hash.
    expect(v.ingest.received).toEqual([`audit/${vehicleId}/1-3.jsonl`, `audit/${vehicleId}/4-6.jsonl`, `audit/${vehicleId}/7-7.jsonl`]);
    const shipped = v.ingest.received.flatMap((name) =>
      v.ingest.auditFiles.get(name)!.toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as AuditRecord),
    );
    expect(verifyChain(shipped)).toEqual({ ok: true, records: 7, lastHash: head.hash });

    const headFile = path.join(v.work, 'head.json');
    writeFileSync(headFile, JSON.stringify(head));
    expect(verify(v.config, { head: headFile, publicKey: v.pub })).toEqual({ code: 0, text: expect.stringContaining('reaches head record 7 unchanged') });

    // Cut short: the chain still agrees with itself — only the head shows what is missing.
    tamper(v.dataDir, 2, 0);
    expect(verify(v.config).code).toBe(0);
    expect(verify(v.config, { head: headFile })).toEqual({ code: 1, text: 'audit trail does not match: truncated: the head names record 7, the local trail ends at 5\n' });

    // Rewritten: the last records replaced by forged ones that chain correctly, even past the head's number.
    tamper(v.dataDir, 0, 3);
    expect(verify(v.config).code).toBe(0);
    const rewritten = verify(v.config, { head: headFile });
    expect(rewritten.code).toBe(1);
    expect(rewritten.text).toContain('rewritten: record 7 has hash');

    // A forged head (not signed by the device key) is refused before the trail is looked at.
    writeFileSync(headFile, JSON.stringify({ ...head, seq: 6 }));
    expect(verify(v.config, { head: headFile, publicKey: v.pub })).toEqual({ code: 1, text: expect.stringContaining('signature does not verify') });
  }, 60_000);

  it('prunes shipped records past the bound, keeping a checkpoint the chain verifies from; never unshipped ones', async () => {
    const v = await vehicle({ keepShippedMs: 1 });
    for (let i = 0; i < 3; i++) v.queue.audit.record({ kind: 'captured', evidenceId: `e${i}` });
    const early = v.head.current();
    for (let i = 3; i < 5; i++) v.queue.audit.record({ kind: 'captured', evidenceId: `e${i}` });
    await new Promise((r) => setTimeout(r, 20));
    await v.ship.start();
    await v.ship.shipNow();
    // Records 1–4 shipped and old: pruned (the last record always stays); the prune itself is audited.
    expect(v.ship.stats.pruned).toBe(4);
    const ledger = v.queue.auditLedger;
    expect(ledger.recordsAfter(0, 100).map((r) => [r.seq, r.kind])).toEqual([[5, 'captured'], [6, 'pruned']]);
    v.queue.audit.record({ kind: 'captured', evidenceId: 'after' });
    const later = v.head.current();
    await v.stop();
    const headFile = path.join(v.work, 'head.json');
    writeFileSync(headFile, JSON.stringify(later));
    expect(verify(v.config, { head: headFile, publicKey: v.pub })).toEqual({ code: 0, text: expect.stringContaining('reaches head record 7 unchanged') });
    expect(verify(v.config).code).toBe(0);
    // A head from before the pruning points into what was shipped; the local trail says so rather than "ok".
    writeFileSync(headFile, JSON.stringify(early));
    expect(verify(v.config, { head: headFile })).toEqual({ code: 1, text: expect.stringContaining('check it against the records shipped to the ingest') });
    // Unshipped records are never pruned: with the ingest gone nothing more goes.
    expect(v.ingest.received).toEqual([`audit/${vehicleId}/1-3.jsonl`, `audit/${vehicleId}/4-5.jsonl`]);
  }, 60_000);
});
