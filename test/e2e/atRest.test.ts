// No unredacted pixel on disk: the real agent drives past real street scenes (faces, plates) with the ingest out of
// reach, so its evidence stays on the vehicle. After the drive every file under dataDir either decrypts (device key)
// to a JPEG whose annotated faces and plates have lost their detail, judged from the pixels, or is no image at all —
// the SQLite files with their WAL included.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngestReceiver, type IngestReceiver } from '../../agent/cli/ingestReceiver.ts';
import { startLocalBroker, type LocalBroker } from '../../agent/cli/localBroker.ts';
import { freeLoopbackPort } from '../../agent/cli/loopback.ts';
import { ANNOTATED_DIR, haveAnnotatedFrames, judgeRedaction, linkStreetFrames } from '../support/annotatedFrames.ts';
import { startAgent, until, type AgentProcess } from '../support/agentProcess.ts';
import { inspectDataDir } from '../support/dataDirImages.ts';
import { writeDriveAgentFiles } from '../support/driveAgent.ts';

if (!haveAnnotatedFrames) console.warn(`skipping the at-rest test: ${ANNOTATED_DIR} (annotated street frames) is not there`);

const TOKEN = 'at-rest-token';
const MIN_ITEMS = 4;

const queuedCount = (dataDir: string): number => {
  try {
    const db = new Database(path.join(dataDir, 'queue.sqlite'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM evidence').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
};

describe.skipIf(!haveAnnotatedFrames)('evidence at rest after a drive past real street scenes', () => {
  let work: string;
  let dataDir: string;
  let broker: LocalBroker;
  let ingest: IngestReceiver;
  let agent: AgentProcess | null = null;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tilsyn-at-rest-'));
    dataDir = path.join(work, 'data');
    broker = await startLocalBroker(await freeLoopbackPort());
    ingest = await startIngestReceiver(path.join(work, 'ingest'), TOKEN);
    ingest.failWith = 503; // out of reach for the whole drive: everything kept stays on the vehicle
  }, 60_000);

  afterAll(async () => {
    if (agent !== null && agent.child.exitCode === null) agent.child.kill('SIGKILL');
    await ingest?.stop();
    await broker?.stop();
  });

  it('holds only redacted JPEGs, encrypted, and files that are no image at all', async () => {
    const frames = linkStreetFrames(path.join(work, 'frames'));
    const configFile = writeDriveAgentFiles(work, {
      name: 'at-rest',
      revision: 1,
      dataDir,
      brokerUrl: broker.url,
      ingestUrl: ingest.url,
      token: TOKEN,
      ingestTimeoutMs: 2_000,
      retryMaxMs: 2_000,
      config: { camera: { source: 'file', path: frames, fps: 5, width: 1920, height: 1080, armDistanceM: 100_000 } },
    });
    agent = startAgent(configFile);
    await agent.started(90_000);
    const running = agent;
    await until(() => queuedCount(dataDir) >= MIN_ITEMS, 180_000, () => running.output().slice(-3000));
    agent.child.kill('SIGTERM');
    const stopped = await Promise.race([agent.exit, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    if (stopped === 'hung') writeFileSync('/tmp/at-rest-agent.log', agent.output());
    expect(stopped === 'hung' ? 'hung' : stopped.code, 'the agent stops within 30 s (log in /tmp/at-rest-agent.log when not)').toBe(0);

    const { evidence, others, problems } = await inspectDataDir(dataDir);
    expect(problems).toEqual([]);
    expect(evidence.size).toBe(queuedCount(dataDir));
    expect(evidence.size).toBeGreaterThanOrEqual(MIN_ITEMS);
    expect(others).toEqual(expect.arrayContaining(['queue.sqlite', 'observations.sqlite', 'device.key']));
    let judged = 0;
    for (const [id, jpeg] of evidence) {
      const verdict = await judgeRedaction(jpeg);
      expect(verdict.meanDiff, `evidence ${id} resembles none of the camera's frames`).toBeLessThan(8);
      expect(verdict.unredacted, `evidence ${id}`).toEqual([]);
      judged += verdict.judged;
    }
    expect(judged).toBeGreaterThan(0);
    // The redactor really worked on these frames: the audit trail counts the faces and plates it blurred.
    const db = new Database(path.join(dataDir, 'queue.sqlite'), { readonly: true });
    const blurred = db.prepare("SELECT SUM(json_extract(detail, '$.faces') + json_extract(detail, '$.plates')) AS n FROM audit WHERE kind = 'captured'").get() as { n: number };
    db.close();
    expect(blurred.n).toBeGreaterThan(0);
  }, 400_000);
});
