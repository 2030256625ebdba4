// `tilsyn doctor`: checks every part the agent depends on and says which one is missing; non-zero exit on a failure.
import { pino } from 'pino';
import { loadConfig } from '../config/load.ts';
import type { Check, CheckResult } from './doctor/check.ts';
import { checkBroker } from './doctor/brokerCheck.ts';
import { checkCamera } from './doctor/cameraCheck.ts';
import { checkClock } from './doctor/clockCheck.ts';
import { checkDisk } from './doctor/diskCheck.ts';
import { checkGps } from './doctor/gpsCheck.ts';
import { checkIngest } from './doctor/ingestCheck.ts';
import { checkModels } from './doctor/modelsCheck.ts';
import { checkSigning } from './doctor/signingCheck.ts';
import { checkTasks } from './doctor/tasksCheck.ts';

export interface DoctorOptions {
  readonly config: string;
  readonly json?: boolean;
  readonly timeoutMs?: number;
}

const CHECKS: readonly [string, Check][] = [
  ['gps', checkGps],
  ['camera', checkCamera],
  ['broker', checkBroker],
  ['tasks', checkTasks],
  ['ingest', checkIngest],
  ['models', checkModels],
  ['disk', checkDisk],
  ['clock', checkClock],
  ['signing', checkSigning],
];

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

export async function runDoctor(options: DoctorOptions): Promise<CheckResult[]> {
  const config = loadConfig(options.config);
  // The checks' own adapters log to stderr only when something is badly wrong; the report is the output.
  const logger = pino({ level: 'fatal' }, pino.destination(2));
  const timeoutMs = options.timeoutMs ?? 8_000;
  const results: CheckResult[] = [];
  // One at a time: the camera and the models each want the CPU, and the order is the order of the table.
  for (const [name, check] of CHECKS) {
    try {
      results.push(await check({ config, logger, timeoutMs }));
    } catch (err) {
      results.push({ name, status: 'fail', detail: `check crashed: ${(err as Error).message}` });
    }
  }
  return results;
}

export function formatTable(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const lines = results.map((r) => `${MARK[r.status]}  ${r.name.padEnd(width)}  ${r.detail}`);
  const failed = results.filter((r) => r.status === 'fail').map((r) => r.name);
  lines.push(failed.length === 0 ? 'all checks passed' : `failed: ${failed.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export async function doctorCommand(options: DoctorOptions): Promise<number> {
  const results = await runDoctor(options);
  const ok = results.every((r) => r.status !== 'fail');
  if (options.json === true) process.stdout.write(`${JSON.stringify({ ok, checks: results }, null, 2)}\n`);
  else process.stdout.write(formatTable(results));
  return ok ? 0 : 1;
}
