// Doctor: the system clock is synchronised and agrees with GPS time (evidence timestamps, task windows, retention,
// the audit and TLS all depend on it; a board without an RTC can boot days off).
import { execFile } from 'node:child_process';
import { GpsdClient } from '../../adapters/gpsdClient.ts';
import { clockSkewMs, describeSkew, isSkewed } from '../../core/time/clockSkew.ts';
import type { CheckContext, CheckResult } from './check.ts';

export async function checkClock(context: CheckContext): Promise<CheckResult> {
  const { config, timeoutMs } = context;
  const now = new Date().toISOString();
  const skewMs = config.gps.source === 'gpsd' ? await gpsSkewMs(context) : null;
  const maxSkewMs = config.clock.maxSkewS * 1000;
  if (skewMs !== null && isSkewed(skewMs, maxSkewMs)) {
    return { name: 'clock', status: 'fail', detail: `${describeSkew(skewMs)}, over clock.maxSkewS ${config.clock.maxSkewS} s: no frames are taken; now ${now}` };
  }
  const gpsPart = skewMs === null ? 'not compared with GPS (no fix)' : `${(skewMs / 1000).toFixed(1)} s from GPS time`;
  const answer = await new Promise<{ ok: boolean; out: string }>((resolve) => {
    execFile('timedatectl', ['show', '--property=NTPSynchronized', '--value'], { timeout: timeoutMs }, (err, stdout, stderr) =>
      resolve({ ok: err === null, out: (err === null ? stdout : stderr || (err?.message ?? '')).trim() }),
    );
  });
  if (answer.ok && answer.out === 'yes') return { name: 'clock', status: 'ok', detail: `synchronised, ${gpsPart}; now ${now}` };
  if (skewMs !== null) return { name: 'clock', status: 'ok', detail: `${gpsPart} (within clock.maxSkewS); not NTP-synchronised; now ${now}` };
  if (!answer.ok) return { name: 'clock', status: 'warn', detail: `cannot tell whether the clock is synchronised (timedatectl: ${answer.out.split('\n')[0]}), ${gpsPart}; now ${now}` };
  return { name: 'clock', status: 'fail', detail: `not synchronised (enable chrony, with gpsd as a source: install.sh --gps-time), ${gpsPart}; now ${now}` };
}

/** System clock minus the receiver time of the first real fix from gpsd; null when none comes in time. */
async function gpsSkewMs({ config, logger, timeoutMs }: CheckContext): Promise<number | null> {
  if (config.gps.source !== 'gpsd') return null;
  const client = new GpsdClient({ host: config.gps.host, port: config.gps.port }, logger);
  const controller = new AbortController();
  let skew: number | null = null;
  const got = new Promise<void>((resolve) => {
    client.onFix((fix) => {
      if (fix.mode < 2 || skew !== null) return;
      skew = clockSkewMs(Date.now(), fix.timeMs);
      resolve();
    });
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await client.start(controller.signal);
    await Promise.race([got, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  } finally {
    clearTimeout(timer);
    controller.abort();
    await client.stop();
  }
  return skew;
}
