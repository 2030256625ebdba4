// The systemd unit as systemd itself judges it: `systemd-analyze verify` clean and hardening exposure at most 2.0.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = new URL('../..', import.meta.url).pathname;
const unitFile = path.join(repoRoot, 'systemd/tilsyn-agent.service');
const MAX_EXPOSURE = 2.0;

function analyze(...args: string[]) {
  return spawnSync('systemd-analyze', args, { encoding: 'utf8', env: { ...process.env, SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '' } });
}

describe('systemd/tilsyn-agent.service', () => {
  const unit = readFileSync(unitFile, 'utf8');

  it('is a notify service with a watchdog, restarted on failure, as its own user in the video group', () => {
    for (const line of ['Type=notify', 'Restart=on-failure', 'User=tilsyn', 'SupplementaryGroups=video', 'ProtectSystem=strict', 'DevicePolicy=closed', 'LimitCORE=0', 'MemorySwapMax=0']) {
      expect(unit).toMatch(new RegExp(`^${line}$`, 'm'));
    }
    expect(unit).toMatch(/^WatchdogSec=\d+$/m);
    expect(unit).toMatch(/^TimeoutStopSec=\d+$/m);
    expect(unit).toMatch(/^Environment=UV_THREADPOOL_SIZE=\d+$/m);
    expect(unit).toMatch(/^ExecStart=\/opt\/tilsyn-agent\/bin\/tilsyn run --config \/etc\/tilsyn\/agent\.yaml$/m);
  });

  it('passes systemd-analyze verify without a word', () => {
    // verify checks that ExecStart exists: point it at this checkout's bin/tilsyn, which install.sh copies to /opt.
    const dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-unit-'));
    const copy = path.join(dir, 'tilsyn-agent.service');
    writeFileSync(copy, unit.replaceAll('/opt/tilsyn-agent/', `${repoRoot}`));
    const result = analyze('verify', copy);
    expect(result.stderr.trim()).toBe('');
    expect(result.status).toBe(0);
  }, 60_000);

  it(`has a hardening exposure of at most ${MAX_EXPOSURE} (systemd-analyze security --offline)`, () => {
    const result = analyze('security', '--offline=true', `--threshold=${Math.round(MAX_EXPOSURE * 10)}`, '--no-pager', unitFile);
    const match = /Overall exposure level for tilsyn-agent\.service: (\d+\.\d+)/.exec(result.stdout);
    expect(match, result.stdout + result.stderr).not.toBeNull();
    expect(Number(match![1])).toBeLessThanOrEqual(MAX_EXPOSURE);
    expect(result.status).toBe(0);
  }, 60_000);
});
