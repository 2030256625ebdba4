// `tilsyn run` stopped by SIGTERM while every part is busy (camera running, models loaded, the face worker thread
// up, uploads done), or with gpsd as its position source, or failing to start: the process ends on its own —
// nothing it started (sessions, threads, timers, sockets, pipelines) keeps it alive, so the last-resort exit never
// has to fire.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngestReceiver, type IngestReceiver } from '../../tools/demo/ingestReceiver.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { repoRoot, startAgent, until, type AgentProcess } from '../support/agentProcess.ts';
import { startGpsfake } from '../support/gpsd.ts';
import { writeDriveAgentFiles } from '../support/driveAgent.ts';

const TOKEN = 'stop-token';

/** SIGTERM, then the process must end by itself: cleanly, every part stopped, the last-resort exit never fired. */
async function expectExitsOnItsOwn(agent: AgentProcess): Promise<void> {
  agent.child.kill('SIGTERM');
  const { code, signal } = await agent.exit;
  const output = agent.output();
  expect(output, output.slice(-3000)).toContain('"msg":"stopped"');
  expect(output, output.slice(-3000)).not.toContain('after stop; exiting');
  expect(output).not.toContain('did not stop in time');
  expect({ code, signal }).toEqual({ code: 0, signal: null });
}

describe('tilsyn run after SIGTERM', () => {
  let work: string;
  let broker: LocalBroker;
  let ingest: IngestReceiver;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tilsyn-stop-'));
    broker = await startLocalBroker(await freeLoopbackPort());
    ingest = await startIngestReceiver(path.join(work, 'ingest'), TOKEN);
  }, 60_000);

  afterAll(async () => {
    await ingest?.stop();
    await broker?.stop();
  });

  it('exits on its own, with every part stopped, once evidence has been captured and uploaded', async () => {
    const configFile = writeDriveAgentFiles(work, {
      name: 'stop',
      revision: 1,
      dataDir: path.join(work, 'data'),
      brokerUrl: broker.url,
      ingestUrl: ingest.url,
      token: TOKEN,
      ingestTimeoutMs: 10_000,
      retryMaxMs: 1_000,
      config: { metrics: { port: await freeLoopbackPort() } },
    });
    const agent = startAgent(configFile);
    try {
      await agent.started(120_000);
      // The whole chain has run: a frame was captured, detected, redacted, queued and uploaded.
      const uploaded = () => readdirSync(path.join(work, 'ingest'), { withFileTypes: true }).some((f) => f.name.endsWith('.json'));
      await until(() => { try { return uploaded(); } catch { return false; } }, 120_000, () => agent.output().slice(-3000));
      await expectExitsOnItsOwn(agent);
    } finally {
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    }
  }, 300_000);

  it('exits on its own with gpsd as the position source (its socket and reconnect timer released)', async () => {
    const gpsd = await startGpsfake(path.join(repoRoot, 'fixtures/gps/short-drive.nmea'), { cycleS: 0.2 });
    const configFile = writeDriveAgentFiles(work, {
      name: 'stop-gpsd',
      revision: 1,
      dataDir: path.join(work, 'data-gpsd'),
      brokerUrl: broker.url,
      ingestUrl: ingest.url,
      token: TOKEN,
      ingestTimeoutMs: 10_000,
      retryMaxMs: 1_000,
      config: { gps: { source: 'gpsd', host: '127.0.0.1', port: gpsd.port } },
    });
    const agent = startAgent(configFile);
    try {
      await agent.started(120_000);
      await until(() => agent.output().includes('"msg":"connected to gpsd"'), 60_000, () => agent.output().slice(-3000));
      await expectExitsOnItsOwn(agent);
    } finally {
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
      await gpsd.stop();
    }
  }, 300_000);

  it('exits on its own, with status 1, when a part cannot start (the stores opened before it are closed again)', async () => {
    const configFile = writeDriveAgentFiles(work, {
      name: 'stop-nomodels',
      revision: 1,
      dataDir: path.join(work, 'data-nomodels'),
      brokerUrl: broker.url,
      ingestUrl: ingest.url,
      token: TOKEN,
      ingestTimeoutMs: 10_000,
      retryMaxMs: 1_000,
      config: { models: { dir: mkdtempSync(path.join(tmpdir(), 'tilsyn-no-models-')) } },
    });
    const agent = startAgent(configFile);
    try {
      const { code, signal } = await agent.exit;
      const output = agent.output();
      expect(output, output.slice(-3000)).toContain('"msg":"start failed"');
      expect(output, output.slice(-3000)).toContain('"component":"objects"');
      expect(output, output.slice(-3000)).not.toContain('after stop; exiting');
      expect({ code, signal }).toEqual({ code: 1, signal: null });
    } finally {
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    }
  }, 300_000);
});
