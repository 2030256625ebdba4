// `tilsyn run` stopped by SIGTERM while every part is busy (camera running, models loaded, the face worker thread
// up, uploads done): the process ends on its own — nothing it started (sessions, threads, timers, sockets,
// pipelines) keeps it alive, so the last-resort exit never has to fire.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngestReceiver, type IngestReceiver } from '../../tools/demo/ingestReceiver.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { startAgent, until } from '../support/agentProcess.ts';
import { writeDriveAgentFiles } from '../support/driveAgent.ts';

const TOKEN = 'stop-token';

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
      agent.child.kill('SIGTERM');
      const { code, signal } = await agent.exit;
      const output = agent.output();
      expect(output, output.slice(-3000)).toContain('"msg":"stopped"');
      expect(output, output.slice(-3000)).not.toContain('after stop; exiting');
      expect(output).not.toContain('did not stop in time');
      expect({ code, signal }).toEqual({ code: 0, signal: null });
    } finally {
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    }
  }, 300_000);
});
