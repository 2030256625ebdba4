// No unredacted pixel on disk: the real agent drives past real street scenes (faces, plates) with the ingest out of
// reach, so its evidence stays on the vehicle, until the power goes (kill -9: the SQLite WAL and shm files stay, and
// a frame may be half-written). Then every file under dataDir either decrypts (device key) to a JPEG whose annotated
// faces and plates have lost their detail, judged from the pixels, or is no image at all.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startIngestReceiver, type IngestReceiver } from '../../tools/demo/ingestReceiver.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { ANNOTATED_INPUTS, judgeRedaction, linkStreetFrames } from '../support/annotatedFrames.ts';
import { startAgent, until, type AgentProcess } from '../support/agentProcess.ts';
import { inspectDataDir } from '../support/dataDirImages.ts';
import { writeDriveAgentFiles } from '../support/driveAgent.ts';
import { describeWithInputs } from '../support/inputs.ts';


const TOKEN = 'at-rest-token';
const MIN_ITEMS = 4;

const queuedIds = (dataDir: string): string[] => {
  try {
    const db = new Database(path.join(dataDir, 'queue.sqlite'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT id FROM evidence').all() as { id: string }[]).map((r) => r.id);
    } finally {
      db.close();
    }
  } catch {
    return [];
  }
};

describeWithInputs('evidence at rest after a drive past real street scenes', ANNOTATED_INPUTS, () => {
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

  it('holds only redacted JPEGs, encrypted, and files that are no image at all, even after a power cut', async () => {
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
    await until(() => queuedIds(dataDir).length >= MIN_ITEMS, 180_000, () => running.output().slice(-3000));
    // The power goes mid-drive.
    agent.child.kill('SIGKILL');
    await agent.exit;

    const { evidence, others, halfWritten, problems } = await inspectDataDir(dataDir);
    expect(problems).toEqual([]);
    expect(others).toEqual(expect.arrayContaining(['queue.sqlite', 'queue.sqlite-wal', 'observations.sqlite', 'device.key']));
    console.info(`at rest: ${evidence.size} evidence files decrypted and judged, ${halfWritten.length} half-written, other files: ${others.join(', ')}`);
    expect(evidence.size).toBeGreaterThanOrEqual(MIN_ITEMS);
    for (const id of queuedIds(dataDir)) expect(evidence.has(id), `queued evidence ${id} has its file`).toBe(true);
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
