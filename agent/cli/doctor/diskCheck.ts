// Doctor: free space where evidence is queued (a full disk stops capture; evidence would be lost).
import { statfs } from 'node:fs/promises';
import path from 'node:path';
import type { CheckContext, CheckResult } from './check.ts';

const FAIL_BELOW_BYTES = 200 * 1024 ** 2;
const WARN_BELOW_BYTES = 1024 ** 3;

/** The data folder, or the nearest parent that exists (before the first run it may not yet be there). */
async function existing(dir: string): Promise<string> {
  let current = path.resolve(dir);
  for (;;) {
    try {
      await statfs(current);
      return current;
    } catch (err) {
      const parent = path.dirname(current);
      if (parent === current) throw err;
      current = parent;
    }
  }
}

export async function checkDisk({ config }: CheckContext): Promise<CheckResult> {
  try {
    const dir = await existing(config.dataDir);
    const fs = await statfs(dir);
    const freeBytes = fs.bavail * fs.bsize;
    const totalBytes = fs.blocks * fs.bsize;
    const detail = `${config.dataDir}: ${(freeBytes / 1024 ** 3).toFixed(1)} GiB free of ${(totalBytes / 1024 ** 3).toFixed(1)} GiB`;
    const status = freeBytes < FAIL_BELOW_BYTES ? 'fail' : freeBytes < WARN_BELOW_BYTES ? 'warn' : 'ok';
    return { name: 'disk', status, detail };
  } catch (err) {
    return { name: 'disk', status: 'fail', detail: `${config.dataDir}: ${(err as Error).message}` };
  }
}
