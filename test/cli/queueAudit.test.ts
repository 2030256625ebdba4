// `tilsyn queue` and `tilsyn audit verify` as an operator runs them against an agent's data folder.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueDbPath, SqliteEvidenceQueue } from '../../agent/adapters/sqliteEvidenceQueue.ts';
import { sampleMeta } from '../support/evidence.ts';
import { testLogger } from '../support/logger.ts';
import { offlineConfigLines } from '../support/offlineConfig.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const tilsyn = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'agent/main.ts', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });

describe('tilsyn queue and tilsyn audit verify', () => {
  let dir: string;
  let configFile: string;
  let queue: SqliteEvidenceQueue;
  const due = sampleMeta({ taskId: 'permit-1' });
  const retrying = sampleMeta({ taskId: 'permit-2' });
  const parked = sampleMeta({ taskId: 'permit-3' });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-cli-'));
    configFile = path.join(dir, 'agent.yaml');
    writeFileSync(configFile, offlineConfigLines(['camera: { source: test }']));
    // The agent is "running": its queue stays open while the commands read the file.
    queue = new SqliteEvidenceQueue({ dataDir: path.join(dir, 'data'), nowMs: () => Date.now() }, testLogger);
    await queue.start();
    await queue.add(due, Buffer.from('a'), 5);
    await queue.add(retrying, Buffer.from('b'), 5);
    await queue.add(parked, Buffer.from('c'), 5);
    queue.deferred(retrying.id, 'PUT x.jpg failed: ECONNREFUSED', Date.now() + 3_600_000);
    queue.park(parked.id, 'PUT x.jpg answered HTTP 422');
  }, 60_000);

  afterAll(async () => {
    await queue?.stop();
  });

  it('lists what waits and why, as text and as JSON', () => {
    const text = tilsyn('queue', '--config', configFile);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('3 item(s)');
    expect(text.stdout).toMatch(new RegExp(`${parked.id}.*parked: PUT x.jpg answered HTTP 422`));
    expect(text.stdout).toMatch(new RegExp(`${retrying.id}.*retry at .*ECONNREFUSED`));

    const json = tilsyn('queue', '--config', configFile, '--json');
    expect(json.status).toBe(0);
    const doc = JSON.parse(json.stdout) as { items: { id: string; state: string }[]; summary: Record<string, number> };
    expect(Object.fromEntries(doc.items.map((i) => [i.id, i.state]))).toEqual({ [due.id]: 'due', [retrying.id]: 'retry-later', [parked.id]: 'parked' });
    expect(doc.summary).toMatchObject({ items: 3, due: 1, 'retry-later': 1, parked: 1 });
  }, 120_000);

  it('verifies an intact audit trail, and finds an edited record (exit 1, naming it)', () => {
    const ok = tilsyn('audit', 'verify', '--config', configFile);
    expect(ok.stdout).toContain('audit trail intact: 4 records');
    expect(ok.status).toBe(0);

    // Someone with write access drops the guard and rewrites history.
    const db = new Database(queueDbPath(path.join(dir, 'data')));
    db.exec('DROP TRIGGER audit_no_update');
    db.prepare("UPDATE audit SET detail = '{}' WHERE seq = 2").run();
    db.close();
    const broken = tilsyn('audit', 'verify', '--config', configFile);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain('BROKEN at record 2');
  }, 120_000);

  it('reads the queue of a stopped agent too', async () => {
    await queue.stop();
    const json = tilsyn('queue', '--config', configFile, '--json');
    expect(json.stderr).toBe('');
    expect((JSON.parse(json.stdout) as { summary: { items: number } }).summary.items).toBe(3);
  }, 120_000);

  it('says where it looked when there is no queue yet', () => {
    const other = path.join(dir, 'empty.yaml');
    writeFileSync(other, `vehicleId: v1\nfleetId: f1\ndataDir: ./nothing-here\ngps: { source: gpsd }\nmqtt: { url: "mqtt://127.0.0.1:1" }\ncamera: { source: test }\ningest: { url: "http://127.0.0.1:1", token: t }\ntasks: { allowUnsigned: true }\n`);
    const result = tilsyn('queue', '--config', other);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('nothing-here');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, 120_000);
});
