// A dead zone long enough to fill the evidence quota mid-drive, and a task whose new revision shortens its retention:
// the real agent keeps running (captures, answers tasks), evicts the lowest-priority oldest evidence with an audited
// reason, deletes what outlived its retention unsent, and once the ingest is back uploads everything else exactly once.
// Nothing lost that was within retention; nothing kept, or sent, past it.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditRecords } from '../../agent/adapters/sqliteAuditTrail.ts';
import { startIngestReceiver, type IngestReceiver } from '../../tools/demo/ingestReceiver.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import type { AuditRecord } from '../../agent/core/evidence/auditChain.ts';
import { DAY_MS } from '../../agent/core/evidence/retention.ts';
import type { TaskAck } from '../../agent/ports/taskChannel.ts';
import { auditVerify, startAgent, until, type AgentProcess } from '../support/agentProcess.ts';
import { driveTask, writeDriveAgentFiles } from '../support/driveAgent.ts';
import { signed } from '../support/tasks.ts';

const TOKEN = 'quota-token';
// quota-short goes first to the ingest and last to the quota, so its evidence lives long enough to outlive its retention.
const PRIORITY: Record<string, number> = { 'quota-short': 9, 'quota-mid': 5, 'quota-low': 1 };
/** Revision 2 of quota-short keeps evidence 20 s: shorter than the dead zone, so its older evidence runs out in it. */
const SHORT_RETENTION_DAYS = 20_000 / DAY_MS;
/** About 50 evidence items of the test camera (~8 KB each): some 15 frames, at three tasks a frame. */
const MAX_BYTES = 400_000;

type Audit = Omit<AuditRecord, 'detail'> & { detail: Record<string, unknown> };

/** The audit trail (detail parsed) and the evidence ids still queued, read from the agent's file. */
function auditOf(dataDir: string): { records: Audit[]; queued: Set<string> } {
  const db = new Database(path.join(dataDir, 'queue.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const records = [...readAuditRecords(db)].map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
    const queued = new Set((db.prepare('SELECT id FROM evidence').all() as { id: string }[]).map((r) => r.id));
    return { records, queued };
  } finally {
    db.close();
  }
}

const deletedFor = (records: Audit[], reason: string) => records.filter((r) => r.kind === 'deleted' && r.detail.reason === reason);

describe('a disk quota hit mid-drive, in a dead zone', () => {
  let work: string;
  let dataDir: string;
  let configFile: string;
  let broker: LocalBroker;
  let ingest: IngestReceiver;
  let central: MqttClient;
  let agent: AgentProcess | null = null;
  const acks: TaskAck[] = [];

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tilsyn-quota-'));
    dataDir = path.join(work, 'data');
    broker = await startLocalBroker(await freeLoopbackPort());
    ingest = await startIngestReceiver(path.join(work, 'ingest'), TOKEN);
    central = await mqtt.connectAsync(broker.url, { clientId: 'central-quota' });
    central.on('message', (_topic, payload) => acks.push(JSON.parse(payload.toString()) as TaskAck));
    await central.subscribeAsync('tilsyn/v1/vehicle/quota-bus/acks', { qos: 1 });
    // Three tasks over the drive, each keeping every frame: each frame is stored three times, at three priorities.
    configFile = writeDriveAgentFiles(work, {
      name: 'quota',
      revision: 1,
      dataDir,
      brokerUrl: broker.url,
      ingestUrl: ingest.url,
      token: TOKEN,
      ingestTimeoutMs: 2_000,
      retryMaxMs: 1_000,
      tasks: Object.entries(PRIORITY).map(([id, priority]) => ({ id, priority })),
      config: { storage: { maxBytes: MAX_BYTES, minFreeBytes: 0, sweepEveryMs: 1_000 } },
    });
  }, 60_000);

  afterAll(async () => {
    if (agent !== null && agent.child.exitCode === null) agent.child.kill('SIGKILL');
    await central?.endAsync();
    await ingest?.stop();
    await broker?.stop();
  });

  it('evicts the lowest-priority oldest evidence, drops what outlived its retention, and uploads the rest exactly once', async () => {
    ingest.failWith = 503; // the dead zone: the ingest cannot be reached
    agent = startAgent(configFile);
    await agent.started(60_000);
    const running = agent;
    const log = () => (writeFileSync('/tmp/quota-agent.log', running.output()), 'log in /tmp/quota-agent.log');

    // The queue fills up and the quota starts evicting, while the agent keeps capturing.
    await until(() => existsSync(path.join(dataDir, 'queue.sqlite')) && deletedFor(auditOf(dataDir).records, 'quota-max-bytes').length >= 3, 120_000, log);
    const capturedAtFirstEvictions = auditOf(dataDir).records.filter((r) => r.kind === 'captured').length;

    // The central side shortens quota-short's retention in a new revision: the agent still answers, and applies it.
    const revisedAtMs = Date.now();
    const revision2 = driveTask('quota', 2, { id: 'quota-short', priority: PRIORITY['quota-short'], retentionDays: SHORT_RETENTION_DAYS });
    await central.publishAsync('tilsyn/v1/fleet/quota-fleet/tasks/quota-short', JSON.stringify(signed(revision2, { fleetId: 'quota-fleet' })), { qos: 1, retain: true });
    await until(() => acks.some((a) => a.taskId === 'quota-short' && a.revision === 2 && a.status === 'accepted'), 20_000, log);

    // Long enough in the dead zone for the shortened retention to run out on what quota-short had queued.
    await until(() => Date.now() > revisedAtMs + 25_000 && deletedFor(auditOf(dataDir).records, 'retention-expired').length >= 1, 90_000, log);
    const during = auditOf(dataDir).records;
    expect(during.filter((r) => r.kind === 'captured').length, 'the agent stopped capturing when the quota was hit').toBeGreaterThan(capturedAtFirstEvictions);
    expect(readdirSync(path.join(work, 'ingest'))).toEqual([]);

    // Out of the dead zone: everything still queued goes up.
    ingest.failWith = null;
    await until(
      () => {
        const { records, queued } = auditOf(dataDir);
        const gone = new Set(records.filter((r) => r.kind === 'deleted').map((r) => r.evidenceId));
        const captured = records.filter((r) => r.kind === 'captured').map((r) => r.evidenceId!);
        return queued.size === 0 && captured.every((id) => gone.has(id) || existsSync(path.join(work, 'ingest', `${id}.json`)));
      },
      90_000,
      log,
    );
    agent.child.kill('SIGTERM');
    const stopped = await Promise.race([agent.exit, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    expect(stopped === 'hung' ? 'hung' : stopped.code, `the stop: ${log()}`).toBe(0);

    const { records, queued } = auditOf(dataDir);
    const captured = new Map(records.filter((r) => r.kind === 'captured').map((r) => [r.evidenceId!, r]));
    const uploaded = new Map(records.filter((r) => r.kind === 'uploaded').map((r) => [r.evidenceId!, r]));
    const deleted = new Map(records.filter((r) => r.kind === 'deleted').map((r) => [r.evidenceId!, r]));
    console.info(
      `quota e2e: ${captured.size} captured, ${deletedFor(records, 'quota-max-bytes').length} evicted over quota, ` +
        `${deletedFor(records, 'retention-expired').length} past retention, ${uploaded.size} uploaded, ${queued.size} queued at the stop`,
    );
    expect(records.filter((r) => r.kind === 'lost')).toEqual([]);

    // Every captured item has exactly one fate: uploaded, deleted with a reason, or still queued (taken after the drain).
    for (const id of captured.keys()) expect([uploaded.has(id), deleted.has(id), queued.has(id)].filter(Boolean), id).toHaveLength(1);
    expect(queued.size).toBeLessThanOrEqual(9);

    // The ingest holds the uploaded items, byte for byte; nothing evicted or expired ever reached it whole. An item
    // whose upload the stop cut short (its JPEG or even its metadata stored, the answer not yet read) is still queued
    // and goes again next start, answered "already stored"; one whose retention ran out between its two PUTs has its
    // JPEG there, and never its metadata.
    const atIngest = readdirSync(path.join(work, 'ingest'));
    const complete = atIngest.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
    const fateOf = (id: string) => (uploaded.has(id) ? 'uploaded' : queued.has(id) ? 'queued' : `deleted (${String(deleted.get(id)?.detail.reason)})`);
    expect(complete.filter((id) => !uploaded.has(id) && !queued.has(id)).map((id) => `${id}: ${fateOf(id)}`)).toEqual([]);
    for (const id of uploaded.keys()) expect(complete, id).toContain(id);
    for (const f of atIngest.filter((f) => f.endsWith('.jpg'))) {
      const id = f.slice(0, -'.jpg'.length);
      const cutAtExpiry = deleted.get(id)?.detail.reason === 'retention-expired';
      expect(uploaded.has(id) || queued.has(id) || cutAtExpiry, `${f} at the ingest is neither uploaded, still queued, nor cut at its retention's end`).toBe(true);
    }
    expect(atIngest.filter((f) => !f.endsWith('.jpg') && !f.endsWith('.json'))).toEqual([]);
    for (const id of uploaded.keys()) {
      const jpeg = readFileSync(path.join(work, 'ingest', `${id}.jpg`));
      expect(createHash('sha256').update(jpeg).digest('hex')).toBe(captured.get(id)!.detail.sha256);
    }
    // Evidence files on disk: only those still queued.
    expect(readdirSync(path.join(dataDir, 'evidence')).sort()).toEqual([...queued].map((id) => `${id}.evd`).sort());

    // Quota evictions: each took the lowest priority queued at that moment, oldest first — except for items the
    // uploader had in hand (at most upload.concurrency of them), which are about to go anyway.
    const evictions = deletedFor(records, 'quota-max-bytes');
    expect(evictions.length).toBeGreaterThanOrEqual(3);
    for (const e of evictions) {
      const held = [...captured.values()].filter((c) => {
        if (c.seq >= e.seq) return false;
        const end = deleted.get(c.evidenceId!) ?? uploaded.get(c.evidenceId!);
        return end === undefined || end.seq >= e.seq;
      });
      const mine = captured.get(e.evidenceId!)!;
      const lowest = Math.min(...held.map((c) => PRIORITY[c.taskId!]!));
      expect(PRIORITY[mine.taskId!], `eviction ${e.seq} took ${mine.taskId} while priority ${lowest} was queued`).toBe(lowest);
      const olderSamePriority = held.filter((c) => PRIORITY[c.taskId!] === lowest && c.seq < mine.seq);
      expect(olderSamePriority.length, `eviction ${e.seq} skipped older items`).toBeLessThanOrEqual(2);
    }

    // Retention: the new revision shortened quota-short's evidence, audited; what outlived it was deleted, not sent.
    const shortened = records.filter((r) => r.kind === 'retention-shortened');
    expect(shortened.map((r) => [r.taskId, r.detail.revision])).toEqual([['quota-short', 2]]);
    // Evidence queued after the revision keeps no longer, also a frame taken under revision 1 and queued after it.
    for (const c of captured.values()) {
      if (c.taskId === 'quota-short' && c.seq > shortened[0]!.seq) expect(c.detail.retentionDays, c.evidenceId!).toBeLessThanOrEqual(SHORT_RETENTION_DAYS);
    }
    const expired = deletedFor(records, 'retention-expired');
    expect(expired.length).toBeGreaterThanOrEqual(1);
    for (const e of expired) {
      const c = captured.get(e.evidenceId!)!;
      expect(c.taskId).toBe('quota-short');
      expect(e.atMs).toBeGreaterThanOrEqual(c.atMs + SHORT_RETENTION_DAYS * DAY_MS);
    }
    // Whatever of quota-short reached the ingest (all of it after the revision: the ingest was away until then) arrived
    // within its retention: no PUT begins after the end (the margin is for the ingest's own writes on a loaded machine).
    for (const f of atIngest) {
      const c = captured.get(f.replace(/\.(jpg|json)$/, ''))!;
      if (c.taskId === 'quota-short') expect(statSync(path.join(work, 'ingest', f)).mtimeMs, f).toBeLessThan(c.atMs + SHORT_RETENTION_DAYS * DAY_MS + 2_000);
    }

    const verdict = auditVerify(configFile);
    expect(verdict.status, verdict.stderr).toBe(0);
    expect(JSON.parse(verdict.stdout)).toMatchObject({ ok: true });
  }, 400_000);
});
