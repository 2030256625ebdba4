// Replaying an NMEA file: fixes in file order, at the file's spacing divided by the speed, stamped with "now".
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NmeaFileGps } from '../../agent/adapters/nmeaFileGps.ts';
import { readNmeaEpochs, nmeaSentence } from '../../agent/core/gps/nmea.ts';
import { readFileSync } from 'node:fs';
import type { Fix } from '../../agent/ports/gps.ts';

const drive = fileURLToPath(new URL('../../fixtures/gps/short-drive.nmea', import.meta.url));
const logger = pino({ level: 'silent' });
const clock = { nowMs: () => Date.now() };
const sources: NmeaFileGps[] = [];

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});

function collect(gps: NmeaFileGps, count: number, timeoutMs: number): Promise<Array<{ fix: Fix; at: number }>> {
  return new Promise((resolve, reject) => {
    const got: Array<{ fix: Fix; at: number }> = [];
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${count} fixes`)), timeoutMs);
    const off = gps.onFix((fix) => {
      got.push({ fix, at: performance.now() });
      if (got.length === count) {
        clearTimeout(timer);
        off();
        resolve(got);
      }
    });
  });
}

describe('NmeaFileGps', () => {
  it('replays the fixture drive at speed 20 in file order', async () => {
    const expected = readNmeaEpochs(readFileSync(drive, 'utf8'));
    expect(expected.length).toBeGreaterThan(50);
    const gps = new NmeaFileGps({ path: drive, speed: 20 }, clock, logger);
    sources.push(gps);
    const started = Date.now();
    const fixes = collect(gps, expected.length, 15_000);
    await gps.start(new AbortController().signal);
    const got = await fixes;
    const elapsed = got.at(-1)!.at - got[0]!.at;
    // 1 s spacing / 20 = 50 ms per fix
    expect(elapsed).toBeGreaterThan((expected.length - 1) * 50 * 0.8);
    expect(elapsed).toBeLessThan((expected.length - 1) * 50 * 2);
    got.forEach(({ fix }, i) => {
      expect(fix.lat).toBeCloseTo(expected[i]!.lat, 9);
      expect(fix.lon).toBeCloseTo(expected[i]!.lon, 9);
      expect(fix.mode).toBe(3);
      expect(fix.speedMps).toBeCloseTo(40 / 3.6, 1);
      expect(fix.timeMs).toBeGreaterThanOrEqual(started);
      expect(fix.timeMs).toBeLessThanOrEqual(Date.now());
    });
  });

  it('loops when asked, keeps going after a throwing listener, and stops cleanly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tilsyn-nmea-'));
    try {
      const path = join(dir, 'two.nmea');
      await writeFile(
        path,
        [
          nmeaSentence('GNRMC,080000.00,A,5541.40000,N,01233.00000,E,0.00,,020625,,,A'),
          nmeaSentence('GNRMC,080002.00,V,5541.50000,N,01233.00000,E,0.00,,020625,,,N'),
        ].join('\n'),
      );
      const gps = new NmeaFileGps({ path, speed: 100, loop: true }, { nowMs: () => 42 }, logger);
      sources.push(gps);
      gps.onFix(() => {
        throw new Error('listener bug');
      });
      const fixes = collect(gps, 5, 5000);
      await gps.start(new AbortController().signal);
      const got = (await fixes).map(({ fix }) => [fix.lat.toFixed(4), fix.mode, fix.timeMs]);
      expect(got).toEqual([
        ['55.6900', 3, 42],
        ['55.6917', 1, 42],
        ['55.6900', 3, 42],
        ['55.6917', 1, 42],
        ['55.6900', 3, 42],
      ]);
      // 2 s gap / 100 = 20 ms
      await gps.stop();
      let after = 0;
      gps.onFix(() => after++);
      await new Promise((r) => setTimeout(r, 100));
      expect(after).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops on abort and rejects a file without fixes', async () => {
    const gps = new NmeaFileGps({ path: drive, speed: 50 }, clock, logger);
    sources.push(gps);
    const ac = new AbortController();
    let count = 0;
    gps.onFix(() => count++);
    await gps.start(ac.signal);
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    const seen = count;
    expect(seen).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 150));
    expect(count).toBe(seen);

    const empty = new NmeaFileGps({ path: fileURLToPath(import.meta.url), speed: 1 }, clock, logger);
    await expect(empty.start(new AbortController().signal)).rejects.toThrow(/no NMEA fixes/);
  });
});
