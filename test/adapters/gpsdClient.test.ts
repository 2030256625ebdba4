// The gpsd client against a real gpsd fed by gpsfake: fixes, reconnect after gpsd restarts, clean stop.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { GpsdClient, parseGpsdTpv } from '../../agent/adapters/gpsdClient.ts';
import { readNmeaEpochs } from '../../agent/core/gps/nmea.ts';
import type { Fix } from '../../agent/ports/gps.ts';
import { startGpsfake, type FakeGpsd } from '../support/gpsd.ts';

const drive = fileURLToPath(new URL('../../fixtures/gps/short-drive.nmea', import.meta.url));
const logger = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function gpsfake(port?: number): Promise<FakeGpsd> {
  const daemon = await startGpsfake(drive, port !== undefined ? { port } : {});
  cleanups.push(() => daemon.stop());
  return daemon;
}

function nextFixes(client: GpsdClient, count: number, timeoutMs: number, gpsd?: FakeGpsd): Promise<Fix[]> {
  return new Promise((resolve, reject) => {
    const got: Fix[] = [];
    const timer = setTimeout(() => {
      off();
      reject(new Error(`only ${got.length} of ${count} fixes within ${timeoutMs} ms; gpsfake said:\n${gpsd?.output() ?? '(not given)'}`));
    }, timeoutMs);
    const off = client.onFix((fix) => {
      got.push(fix);
      if (got.length === count) {
        clearTimeout(timer);
        off();
        resolve(got);
      }
    });
  });
}

/** The file fix nearest to a position, and how far off it is in degrees. */
function nearestInFile(fix: Fix): number {
  const epochs = readNmeaEpochs(readFileSync(drive, 'utf8'));
  return Math.min(...epochs.map((e) => Math.max(Math.abs(e.lat - fix.lat), Math.abs(e.lon - fix.lon))));
}

describe('GpsdClient with gpsd fed by gpsfake', () => {
  it('receives the file positions, survives a gpsd restart on the same port, and stops cleanly', async () => {
    const first = await gpsfake();
    const client = new GpsdClient({ port: first.port, reconnectMinMs: 100, reconnectMaxMs: 400 }, logger);
    cleanups.push(() => client.stop());
    client.onFix(() => {
      throw new Error('a broken listener must not stop the others');
    });
    const fixes = nextFixes(client, 5, 20_000, first);
    await client.start(new AbortController().signal);
    for (const fix of await fixes) {
      expect(fix.mode).toBeGreaterThanOrEqual(2);
      expect(nearestInFile(fix)).toBeLessThan(1e-5);
      expect(fix.timeMs).toBeGreaterThanOrEqual(Date.UTC(2025, 5, 2, 8));
      expect(fix.speedMps).toBeCloseTo(40 / 3.6, 1);
    }

    await first.stop();
    // Let the client notice and fail a few reconnects while gpsd is away.
    await new Promise((r) => setTimeout(r, 800));
    const second = await gpsfake(first.port);
    const again = await nextFixes(client, 3, 20_000, second);
    expect(again.every((f) => f.mode >= 2 && nearestInFile(f) < 1e-5)).toBe(true);

    await client.stop();
    let late = 0;
    client.onFix(() => late++);
    await new Promise((r) => setTimeout(r, 500));
    expect(late).toBe(0);
  });

  it('keeps retrying when nothing listens, and stop() cancels the retry', async () => {
    const { freePort } = await import('../support/freePort.ts');
    const client = new GpsdClient({ port: await freePort(), reconnectMinMs: 50, reconnectMaxMs: 100 }, logger);
    const ac = new AbortController();
    await client.start(ac.signal);
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    await client.stop();
    // Nothing left to keep the event loop alive from the client: vitest would report a hanging worker otherwise.
  });
});

/** Runs a client in a fresh Node process and reports how long that process took to exit on its own. */
function runClientProcess(port: number, stopAfter: 'first-fix' | '300ms'): Promise<{ stdout: string; ms: number }> {
  const code = `
    import { pino } from 'pino';
    import { GpsdClient } from './agent/adapters/gpsdClient.ts';
    const client = new GpsdClient({ port: ${port}, reconnectMinMs: 50 }, pino({ level: 'silent' }));
    let done = false;
    const finish = (what) => { if (done) return; done = true; console.log(what); void client.stop(); };
    client.onFix((fix) => finish('fix ' + fix.mode));
    await client.start(new AbortController().signal);
    if (${JSON.stringify(stopAfter)} === '300ms') setTimeout(() => finish('gave up'), 300);
  `;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', code],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 15_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve({ stdout, ms: Date.now() - started })),
    );
  });
}

describe('GpsdClient leaves nothing running after stop()', () => {
  it('lets the process exit after a fix, and while gpsd is away', async () => {
    const daemon = await gpsfake();
    const withGpsd = await runClientProcess(daemon.port, 'first-fix');
    expect(withGpsd.stdout).toMatch(/^fix [23]/);
    await daemon.stop();
    const without = await runClientProcess(daemon.port, '300ms');
    expect(without.stdout).toMatch(/gave up/);
    expect(without.ms).toBeLessThan(5000);
  });
});

describe('parseGpsdTpv', () => {
  it.each([
    [
      'full TPV with eph',
      '{"class":"TPV","mode":3,"time":"2025-06-02T08:00:05.000Z","lat":55.6878,"lon":12.5578,"track":314.3,"speed":11.112,"eph":17.1,"epx":5,"epy":6}',
      { timeMs: Date.UTC(2025, 5, 2, 8, 0, 5), lat: 55.6878, lon: 12.5578, mode: 3, speedMps: 11.112, trackDeg: 314.3, horizontalErrorM: 17.1 },
    ],
    [
      'TPV with epx/epy only, no time',
      '{"class":"TPV","mode":2,"lat":1,"lon":2,"epx":5,"epy":7.5}',
      { timeMs: 1234, lat: 1, lon: 2, mode: 2, horizontalErrorM: 7.5 },
    ],
  ])('%s', (_name, line, expected) => {
    expect(parseGpsdTpv(line, () => 1234)).toEqual(expected);
  });

  it.each([
    ['no fix yet', '{"class":"TPV","mode":1}'],
    ['SKY report', '{"class":"SKY","satellites":[]}'],
    ['not JSON', '{"class":"TPV",'],
    ['JSON null', 'null'],
    ['string lat', '{"class":"TPV","mode":3,"lat":"55","lon":12}'],
  ])('ignores %s', (_name, line) => {
    expect(parseGpsdTpv(line)).toBeUndefined();
  });
});
