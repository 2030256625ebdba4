// The real agent on a replayed drive against an ingest that fails at random (500, reset, no answer, crawling) and a
// broker that restarts mid-drive: every captured item still arrives exactly once, byte for byte, and every
// observation — with the ids of the evidence it kept — reaches the central side.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngestReceiver, type IngestReceiver } from '../../tools/demo/ingestReceiver.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { observationSchema, type ObservationMessage } from '../../agent/core/tasks/messages.ts';
import { auditVerify, startAgent, until, type AgentProcess } from '../support/agentProcess.ts';
import { startFaultyIngest, type FaultyIngest } from '../support/faultyIngest.ts';
import { writeDriveAgentFiles } from '../support/driveAgent.ts';

const TOKEN = 'faults-token';
const OBS_TOPIC = 'tilsyn/v1/vehicle/faults-bus/observations';

function captured(dataDir: string): { ids: Map<string, string>; pending: number; lost: number; queued: Set<string> } {
  const db = new Database(path.join(dataDir, 'queue.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT evidence_id AS id, detail FROM audit WHERE kind = 'captured'").all() as { id: string; detail: string }[];
    const queued = new Set((db.prepare('SELECT id FROM evidence').all() as { id: string }[]).map((r) => r.id));
    const pending = queued.size;
    const lost = (db.prepare("SELECT COUNT(*) AS n FROM audit WHERE kind = 'lost'").get() as { n: number }).n;
    return { ids: new Map(rows.map((r) => [r.id, (JSON.parse(r.detail) as { sha256: string }).sha256])), pending, lost, queued };
  } finally {
    db.close();
  }
}

describe('an unreliable ingest and a broker restart mid-drive', () => {
  let work: string;
  let dataDir: string;
  let configFile: string;
  let brokerPort: number;
  let persistenceDir: string;
  let broker: LocalBroker;
  let ingest: IngestReceiver;
  let faulty: FaultyIngest;
  let central: MqttClient;
  let agent: AgentProcess | null = null;
  const observations = new Map<string, ObservationMessage>();

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tilsyn-faults-'));
    dataDir = path.join(work, 'data');
    persistenceDir = mkdtempSync(path.join(tmpdir(), 'tilsyn-faults-broker-'));
    brokerPort = await freeLoopbackPort();
    broker = await startLocalBroker(brokerPort, { persistenceDir });
    ingest = await startIngestReceiver(path.join(work, 'ingest'), TOKEN);
    faulty = await startFaultyIngest(ingest.url);
    // The central side keeps a persistent session, so observations published while it reconnects wait for it.
    central = await mqtt.connectAsync(broker.url, { clientId: 'central-faults', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 600 }, reconnectPeriod: 300 });
    central.on('message', (topic, payload) => {
      if (topic !== OBS_TOPIC) return;
      const o = observationSchema.parse(JSON.parse(payload.toString()));
      observations.set(o.id, o);
    });
    await central.subscribeAsync(OBS_TOPIC, { qos: 1 });

    configFile = writeDriveAgentFiles(work, { name: 'faults', revision: 2, dataDir, brokerUrl: broker.url, ingestUrl: faulty.url, token: TOKEN, ingestTimeoutMs: 2_000, retryMaxMs: 1_500 });
  }, 60_000);

  afterAll(async () => {
    if (agent !== null && agent.child.exitCode === null) agent.child.kill('SIGKILL');
    await central?.endAsync();
    await faulty?.stop();
    await ingest?.stop();
    await broker?.stop();
  });

  it('delivers every captured item exactly once and every observation, despite the faults', async () => {
    agent = startAgent(configFile);
    await agent.started(60_000);
    const running = agent;
    // Drive with the faults for a while; restart the broker in the middle.
    await until(() => existsSync(path.join(dataDir, 'queue.sqlite')) && captured(dataDir).ids.size >= 8, 60_000, () => running.output().slice(-3000));
    await broker.stop();
    await new Promise((r) => setTimeout(r, 3_000));
    broker = await startLocalBroker(brokerPort, { persistenceDir });
    await until(() => captured(dataDir).ids.size >= 20, 90_000, () => running.output().slice(-3000));
    const dealt = { ...faulty.dealt };
    faulty.faulty = false;

    await until(
      () => {
        const c = captured(dataDir);
        return c.pending === 0 && [...c.ids.keys()].every((id) => existsSync(path.join(work, 'ingest', `${id}.json`)));
      },
      90_000,
      () => (writeFileSync('/tmp/faults-agent.log', running.output()), `still ${captured(dataDir).pending} queued; log in /tmp/faults-agent.log`),
    );
    agent.child.kill('SIGTERM');
    expect((await agent.exit).code, agent.output().slice(-3000)).toBe(0);
    console.info(`faults dealt while driving: ${JSON.stringify(dealt)}; ${captured(dataDir).ids.size} items captured`);
    // Each kind of fault really happened.
    for (const kind of ['error500', 'reset', 'hang', 'crawl'] as const) expect(dealt[kind], kind).toBeGreaterThan(0);

    // The drive goes on until the stop: a frame taken after the queue drained may still wait in it (not lost).
    const { ids: all, queued, lost } = captured(dataDir);
    const ids = new Map([...all].filter(([id]) => !queued.has(id)));
    expect(queued.size).toBeLessThanOrEqual(3);
    expect(lost).toBe(0);
    expect(readdirSync(path.join(work, 'ingest')).sort()).toEqual([...ids.keys()].flatMap((id) => [`${id}.jpg`, `${id}.json`]).sort());
    for (const [id, sha256] of ids) {
      expect(createHash('sha256').update(readFileSync(path.join(work, 'ingest', `${id}.jpg`))).digest('hex')).toBe(sha256);
    }

    // Every kept item was reported in an observation of its task (keep: all → each frame's observation names it).
    await until(
      () => [...ids.keys()].every((id) => [...observations.values()].some((o) => o.evidenceIds.includes(id))),
      30_000,
      () => `${observations.size} observations arrived; missing evidence ids`,
    );
    for (const o of observations.values()) expect(o).toMatchObject({ vehicleId: 'faults-bus', taskId: 'faults-area', revision: 2, keep: 'all' });
    const outbox = new Database(path.join(dataDir, 'observations.sqlite'), { readonly: true });
    const left = (outbox.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
    outbox.close();
    expect(left).toBeLessThanOrEqual(observations.size); // what is left was sent but its PUBACK not yet recorded at the stop
    const verdict = auditVerify(configFile);
    expect(verdict.status, verdict.stderr).toBe(0);
  }, 300_000);
});
