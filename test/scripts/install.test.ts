// install.sh and uninstall.sh as a technician meets them, into a temp root (--prefix): twice in, twice out, nothing lost.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_PUBLIC_KEY } from '../support/tasks.ts';
import { assertInputs, sharedFile } from '../support/inputs.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const modelsMirror = sharedFile('models');

const FLAGS = ['--vehicle-id', 'bus-7', '--fleet-id', 'kbh-buses', '--broker', 'mqtts://broker.example.org:8883',
  '--ingest-url', 'https://ingest.example.org/tilsyn', '--ingest-token', 'se"cret', '--task-key', TEST_PUBLIC_KEY];

function script(name: string, ...args: string[]) {
  const result = spawnSync('bash', [path.join(repoRoot, 'scripts', name), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { ...result, all: `${result.stdout}\n${result.stderr}` };
}
const install = (root: string, ...extra: string[]) =>
  script('install.sh', '--prefix', root, '--models-from', modelsMirror, '--node-modules-from', path.join(repoRoot, 'node_modules'), ...extra);

describe('scripts/install.sh and uninstall.sh', () => {
  it('installs, re-installs without change, uninstalls keeping data, twice; --purge leaves nothing', () => {
    assertInputs(path.join(modelsMirror, 'yunet_n_dynamic.onnx'));
    const root = mkdtempSync(path.join(tmpdir(), 'tilsyn-root-'));
    const p = (...parts: string[]) => path.join(root, ...parts);
    let firstKey = '';
    for (const round of [1, 2]) {
      const first = install(root, ...FLAGS);
      expect(first.status, first.all).toBe(0);
      for (let n = 1; n <= 10; n++) expect(first.stdout).toContain(`==> [${n}/10]`);
      expect(first.stdout).toContain('agent.yaml: valid');

      const key = readFileSync(p('etc/tilsyn/device-key.pem'), 'utf8');
      expect(key).toContain('BEGIN PRIVATE KEY');
      expect(statSync(p('etc/tilsyn/device-key.pem')).mode & 0o777).toBe(0o640);
      if (round === 1) firstKey = key;
      else expect(key).toBe(firstKey); // the vehicle keeps its identity across a reinstall
      const config = readFileSync(p('etc/tilsyn/agent.yaml'), 'utf8');
      expect(config).toMatch(/^vehicleId: "bus-7"$/m);
      expect(config).toContain('token: "se\\"cret"');
      expect(config).toContain(`publicKeys: ["${TEST_PUBLIC_KEY}"]`);
      expect(statSync(p('etc/tilsyn/agent.yaml')).mode & 0o777).toBe(0o640);
      expect(readFileSync(p('etc/systemd/system/tilsyn-agent.service'), 'utf8')).toBe(
        readFileSync(path.join(repoRoot, 'systemd/tilsyn-agent.service'), 'utf8'),
      );
      expect(readlinkSync(p('usr/local/bin/tilsyn'))).toBe('/opt/tilsyn-agent/bin/tilsyn');
      expect(readdirSync(p('opt/tilsyn-agent/models')).filter((f) => f.endsWith('.onnx')).length).toBeGreaterThanOrEqual(3);
      // The agent and its operator commands only: the lab, the tests and their inputs, and the docs stay behind.
      expect(readdirSync(p('opt/tilsyn-agent'))).toEqual(expect.arrayContaining(['agent', 'bin', 'models', 'node_modules']));
      for (const lab of ['tools', 'test', 'fixtures', 'docs', 'demo-data']) expect(existsSync(p('opt/tilsyn-agent', lab)), lab).toBe(false);

      // Again, with other values: the technician's config and the key stay as they are.
      writeFileSync(p('var/lib/tilsyn/queue.sqlite'), 'queued evidence');
      const again = install(root, ...FLAGS.map((f) => (f === 'bus-7' ? 'bus-8' : f)));
      expect(again.status, again.all).toBe(0);
      expect(again.stdout).toContain('kept existing');
      expect(again.stdout).toContain('(already present)');
      expect(readFileSync(p('etc/tilsyn/agent.yaml'), 'utf8')).toBe(config);
      expect(readFileSync(p('etc/tilsyn/device-key.pem'), 'utf8')).toBe(key);

      const out = script('uninstall.sh', '--prefix', root);
      expect(out.status, out.all).toBe(0);
      expect(existsSync(p('opt/tilsyn-agent'))).toBe(false);
      expect(existsSync(p('etc/systemd/system/tilsyn-agent.service'))).toBe(false);
      expect(existsSync(p('usr/local/bin/tilsyn'))).toBe(false);
      expect(readFileSync(p('var/lib/tilsyn/queue.sqlite'), 'utf8')).toBe('queued evidence');
      expect(readFileSync(p('etc/tilsyn/device-key.pem'), 'utf8')).toBe(key);
      const outAgain = script('uninstall.sh', '--prefix', root);
      expect(outAgain.status, outAgain.all).toBe(0);
      expect(outAgain.stdout).toContain('already gone');
    }
    const purge = script('uninstall.sh', '--prefix', root, '--purge');
    expect(purge.status, purge.all).toBe(0);
    expect(existsSync(p('etc/tilsyn'))).toBe(false);
    expect(existsSync(p('var/lib/tilsyn'))).toBe(false);
  }, 240_000);

  it('--dry-run --prefix on a fresh machine prints every step, npm ci included, and creates nothing', () => {
    const root = path.join(mkdtempSync(path.join(tmpdir(), 'tilsyn-fresh-')), 'root'); // not there yet
    const result = script('install.sh', '--dry-run', '--prefix', root, ...FLAGS);
    expect(result.status, result.all).toBe(0);
    for (let n = 1; n <= 10; n++) expect(result.stdout).toContain(`==> [${n}/10]`);
    expect(result.stdout).toContain(`+ cd ${root}/opt/tilsyn-agent && env ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev`);
    expect(result.stdout).toContain(`+ write ${root}/etc/tilsyn/agent.yaml`);
    expect(result.stdout).toContain(`installed (dry run) into ${root}`);
    expect(existsSync(root)).toBe(false);
  }, 120_000);

  it('--dry-run without --prefix: every step for the real system, nothing changed', () => {
    // Where an install writes on the real system; the dry run must leave each exactly as it found it.
    const realPaths = ['/opt/tilsyn-agent', '/etc/tilsyn', '/var/lib/tilsyn', '/usr/local/bin/tilsyn', '/etc/systemd/system/tilsyn-agent.service'];
    const before = realPaths.map((f) => existsSync(f));
    const osRelease = path.join(mkdtempSync(path.join(tmpdir(), 'tilsyn-os-')), 'os-release');
    writeFileSync(osRelease, 'ID=debian\nVERSION_ID="12"\n');
    // No values given and no terminal: a dry run names what it would ask instead of stopping.
    const result = script('install.sh', '--dry-run', '--os-release', osRelease);
    expect(result.status, result.all).toBe(0);
    for (let n = 1; n <= 10; n++) expect(result.stdout).toContain(`==> [${n}/10]`);
    expect(result.stdout).toContain('would ask: Vehicle id');
    expect(result.stdout).toMatch(/\+ systemctl (enable|restart) tilsyn-agent\.service/);
    expect(result.stdout).toContain('installed (dry run) into /');
    expect(realPaths.map((f) => existsSync(f))).toEqual(before);
  }, 120_000);

  it('without a terminal, a missing value is named and no config is written', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'tilsyn-root-'));
    const result = install(root, '--fleet-id', 'kbh-buses');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--vehicle-id is required');
    expect(existsSync(path.join(root, 'etc/tilsyn/agent.yaml'))).toBe(false);
  }, 120_000);

  it('refuses an unknown system with exit 3, before changing anything', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'tilsyn-root-'));
    const osRelease = path.join(root, '..', `${path.basename(root)}-os-release`);
    writeFileSync(osRelease, 'ID=fedora\nVERSION_ID=40\n');
    const result = install(root, '--os-release', osRelease, ...FLAGS);
    expect(result.status).toBe(3);
    expect(result.stderr).toContain("unsupported system 'fedora 40'");
    expect(readdirSync(root)).toEqual([]);
  }, 60_000);
});
