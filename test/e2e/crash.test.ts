// Crash safety of the real agent process: on a replayed drive with uploads, `kill -9` at random moments (during
// start-up, capture, writes and uploads), again and again, each time restarted. In the end the ingest holds every
// captured item exactly once, byte for byte; nothing is left behind under dataDir; the audit chain verifies.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngestReceiver, type IngestReceiver } from '../../tools/demo/ingestReceiver.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import type { EvidenceMeta } from '../../agent/core/evidence/evidence.ts';
import { auditVerify, startAgent, until, type AgentProcess } from '../support/agentProcess.ts';
import { writeDriveAgentFiles } from '../support/driveAgent.ts';

const KILLS = 24;
const TOKEN = 'crash-token';

interface Captured {
  id: string;
  sha256: string;
}

/** What the audit trail says was captured: the list the ingest must match. */
function capturedRecords(dataDir: string): { captured: Captured[]; kinds: Map<string, number>; pending: number; queued: string[] } {
  const db = new Database(path.join(dataDir, 'queue.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT evidence_id AS id, detail FROM audit WHERE kind = 'captured' ORDER BY seq").all() as { id: string; detail: string }[];
    const kinds = new Map((db.prepare('SELECT kind, COUNT(*) AS n FROM audit GROUP BY kind').all() as { kind: string; n: number }[]).map((r) => [r.kind, r.n]));
    const queued = (db.prepare('SELECT id FROM evidence').all() as { id: string }[]).map((r) => r.id);
    return { captured: rows.map((r) => ({ id: r.id, sha256: (JSON.parse(r.detail) as { sha256: string }).sha256 })), kinds, pending: queued.length, queued };
  } finally {
    db.close();
  }
}

describe('kill -9 at random moments, again and again', () => {
  let work: string;
  let dataDir: string;
  let configFile: string;
  let broker: LocalBroker;
  let ingest: IngestReceiver;
  let agent: AgentProcess | null = null;
  const kills: { afterMs: number; phase: string }[] = [];
  let loopMs = 0;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tilsyn-crash-'));
    dataDir = path.join(work, 'data');
    broker = await startLocalBroker(await freeLoopbackPort());
    ingest = await startIngestReceiver(path.join(work, 'ingest'), TOKEN);
    // keep: all — every frame in the area is kept, so the synthetic camera yields evidence on every pass.
    configFile = writeDriveAgentFiles(work, { name: 'crash', revision: 1, dataDir, brokerUrl: broker.url, ingestUrl: ingest.url, token: TOKEN, ingestTimeoutMs: 10_000, retryMaxMs: 1_000, logLevel: 'info' });
  }, 60_000);

  afterAll(async () => {
    if (agent !== null && agent.child.exitCode === null) agent.child.kill('SIGKILL');
    await ingest?.stop();
    await broker?.stop();
  });

  it(`loses nothing and duplicates nothing through ${KILLS} kills`, async () => {
    const startedAtMs = Date.now();
    for (let i = 0; i < KILLS; i++) {
      agent = startAgent(configFile);
      // Every fourth kill lands during start-up (reconcile, schema, model loading); the rest while it works.
      const phase = i % 4 === 3 ? 'start-up' : 'running';
      if (phase === 'running') await agent.started(60_000);
      const afterMs = Math.round(Math.random() * (phase === 'running' ? 3_000 : 1_500));
      await new Promise((r) => setTimeout(r, afterMs));
      agent.child.kill('SIGKILL');
      const { signal } = await agent.exit;
      expect(signal, agent.output().slice(-3000)).toBe('SIGKILL');
      kills.push({ afterMs, phase });
    }
    loopMs = Date.now() - startedAtMs;

    // A last run, left alone until everything captured so far has arrived, then stopped cleanly.
    agent = startAgent(configFile);
    await agent.started(60_000);
    const last = agent;
    await until(
      () => {
        const { captured, pending } = capturedRecords(dataDir);
        return pending === 0 && captured.length > 0 && captured.every((c) => existsSync(path.join(work, 'ingest', `${c.id}.json`)));
      },
      60_000,
      () => `queue not drained: ${JSON.stringify(capturedRecords(dataDir).pending)} pending\n${last.output().slice(-3000)}`,
    );
    agent.child.kill('SIGTERM');
    expect((await agent.exit).code, agent.output().slice(-3000)).toBe(0);

    // The drive goes on until the stop: a frame or two taken after the queue drained may still wait in it (not lost).
    const { captured: all, kinds, queued } = capturedRecords(dataDir);
    const captured = all.filter((c) => !queued.includes(c.id));
    const capturedWhileKilled = captured.length;
    console.info(
      `${KILLS} kill -9 in ${(loopMs / 1000).toFixed(1)} s (${kills.filter((k) => k.phase === 'start-up').length} during start-up); ` +
        `${capturedWhileKilled} items captured, ${kinds.get('uploaded') ?? 0} uploaded, ${kinds.get('lost') ?? 0} lost`,
    );
    expect(captured.length).toBeGreaterThanOrEqual(5); // fewer under a loaded machine: start-up takes longer
    expect(queued.length).toBeLessThanOrEqual(3);
    expect(kinds.get('lost') ?? 0).toBe(0);

    // The ingest holds exactly the captured items: each once, with the bytes whose hash was recorded at capture.
    const names = readdirSync(path.join(work, 'ingest')).sort();
    expect(names).toEqual(captured.flatMap((c) => [`${c.id}.jpg`, `${c.id}.json`]).sort());
    expect(new Set(captured.map((c) => c.id)).size).toBe(captured.length);
    for (const c of captured) {
      const jpeg = readFileSync(path.join(work, 'ingest', `${c.id}.jpg`));
      const meta = JSON.parse(readFileSync(path.join(work, 'ingest', `${c.id}.json`), 'utf8')) as EvidenceMeta;
      expect(createHash('sha256').update(jpeg).digest('hex')).toBe(c.sha256);
      expect(meta).toMatchObject({ id: c.id, sha256: c.sha256, bytes: jpeg.length, taskId: 'crash-area' });
    }
    expect(kinds.get('uploaded')).toBe(captured.length);

    // No orphans: an evidence file only for what is still queued, no half-written temp file, anywhere under dataDir.
    const files = readdirSync(dataDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.filter((f) => f.parentPath.endsWith('evidence')).map((f) => f.name).sort()).toEqual(queued.map((id) => `${id}.evd`).sort());
    expect(files.filter((f) => f.name.endsWith('.tmp'))).toEqual([]);

    const verdict = auditVerify(configFile);
    expect(verdict.status, verdict.stderr).toBe(0);
    expect(JSON.parse(verdict.stdout)).toMatchObject({ ok: true });
  }, 300_000);
});
