// The command line as an operator meets it: a bad config is one readable message naming the keys, not a stack trace.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const repoRoot = new URL('../..', import.meta.url).pathname;

function tilsyn(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'agent/main.ts', ...args], { cwd: repoRoot, encoding: 'utf8' });
}

describe('tilsyn run --validate-config', () => {
  it('accepts a valid file', () => {
    const result = tilsyn('run', '--config', 'fixtures/config/valid.yaml', '--validate-config');
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('valid');
    expect(result.status).toBe(0);
  });

  it('names every bad key and exits non-zero without a stack trace', () => {
    const result = tilsyn('run', '--config', 'fixtures/config/invalid.yaml', '--validate-config');
    expect(result.status).toBe(2);
    for (const key of ['fleetId', 'gps.port', 'mqtt.url', 'topicPrefx', 'camera.path', 'ingest.url']) expect(result.stderr).toContain(key);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('says so when the file is missing', () => {
    const result = tilsyn('run', '--config', 'fixtures/config/nope.yaml', '--validate-config');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('nope.yaml');
  });
});
