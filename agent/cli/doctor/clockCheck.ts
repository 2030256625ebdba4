// Doctor: the system clock is synchronised (evidence timestamps, task windows and TLS all depend on it).
import { execFile } from 'node:child_process';
import type { CheckContext, CheckResult } from './check.ts';

export async function checkClock({ timeoutMs }: CheckContext): Promise<CheckResult> {
  const answer = await new Promise<{ ok: boolean; out: string }>((resolve) => {
    execFile('timedatectl', ['show', '--property=NTPSynchronized', '--value'], { timeout: timeoutMs }, (err, stdout, stderr) =>
      resolve({ ok: err === null, out: (err === null ? stdout : stderr || (err?.message ?? '')).trim() }),
    );
  });
  const now = new Date().toISOString();
  if (!answer.ok) return { name: 'clock', status: 'warn', detail: `cannot tell whether the clock is synchronised (timedatectl: ${answer.out.split('\n')[0]}); now ${now}` };
  if (answer.out === 'yes') return { name: 'clock', status: 'ok', detail: `synchronised; now ${now}` };
  return { name: 'clock', status: 'fail', detail: `not synchronised (enable systemd-timesyncd or chrony); now ${now}` };
}
