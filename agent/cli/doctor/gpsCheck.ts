// Doctor: gpsd answers, and how good the fix is (no fix yet is a warning: the vehicle may stand in a garage).
import { access } from 'node:fs/promises';
import { createGps } from '../../adapters/factories/createGps.ts';
import type { Fix } from '../../ports/gps.ts';
import { within, type CheckContext, type CheckResult } from './check.ts';

export async function checkGps({ config, logger, timeoutMs }: CheckContext): Promise<CheckResult> {
  const gps = config.gps;
  if (gps.source === 'nmea-file') {
    try {
      await access(gps.path);
      return { name: 'gps', status: 'warn', detail: `replaying ${gps.path} (not a live receiver)` };
    } catch {
      return { name: 'gps', status: 'fail', detail: `NMEA file ${gps.path} cannot be read` };
    }
  }
  const where = `gpsd ${gps.host}:${gps.port}`;
  const client = createGps(config, logger);
  const controller = new AbortController();
  let best: Fix | undefined;
  let first: () => void = () => undefined;
  const got = new Promise<void>((resolve) => (first = resolve));
  client.onFix((fix) => {
    if (best === undefined || fix.mode > best.mode) best = fix;
    if (fix.mode >= 2) first();
  });
  try {
    await client.start(controller.signal);
    await within(got, timeoutMs, 'no fix');
  } catch {
    /* judged below from what arrived */
  } finally {
    controller.abort();
    await client.stop();
  }
  if (best === undefined) {
    return { name: 'gps', status: 'fail', detail: `${where}: no position report in ${timeoutMs} ms (is gpsd running, is the receiver plugged in?)` };
  }
  if (best.mode < 2) return { name: 'gps', status: 'warn', detail: `${where} answers, but no fix yet (mode ${best.mode})` };
  const error = best.horizontalErrorM !== undefined ? `, ±${best.horizontalErrorM.toFixed(0)} m` : '';
  return { name: 'gps', status: 'ok', detail: `${where}: ${best.mode}D fix ${best.lat.toFixed(5)}, ${best.lon.toFixed(5)}${error}` };
}
