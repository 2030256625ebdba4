// `tilsyn queue`: what waits on the vehicle and why (due, waiting to retry, parked), streamed from the database.
import { expiresAtMs } from '../core/evidence/retention.ts';
import { openQueueDbReadOnly } from './queueDb.ts';

interface Row {
  id: string;
  task_id: string;
  revision: number;
  priority: number;
  created_at_ms: number;
  bytes: number;
  attempts: number;
  retry_at_ms: number;
  last_error: string | null;
  retention_days: number;
  parked: number;
}

export interface QueueListing {
  readonly id: string;
  readonly taskId: string;
  readonly revision: number;
  readonly priority: number;
  readonly state: 'due' | 'retry-later' | 'parked';
  readonly queuedAt: string;
  readonly expiresAt: string;
  readonly bytes: number;
  readonly attempts: number;
  readonly retryAt: string | null;
  readonly lastError: string | null;
}

function listing(row: Row, nowMs: number): QueueListing {
  const state = row.parked !== 0 ? 'parked' : row.retry_at_ms > nowMs ? 'retry-later' : 'due';
  return {
    id: row.id,
    taskId: row.task_id,
    revision: row.revision,
    priority: row.priority,
    state,
    queuedAt: new Date(row.created_at_ms).toISOString(),
    expiresAt: new Date(expiresAtMs({ createdAtMs: row.created_at_ms, retentionDays: row.retention_days })).toISOString(),
    bytes: row.bytes,
    attempts: row.attempts,
    retryAt: state === 'retry-later' ? new Date(row.retry_at_ms).toISOString() : null,
    lastError: row.last_error,
  };
}

export function queueCommand(options: { config: string; json?: boolean }, out: NodeJS.WritableStream = process.stdout, nowMs = Date.now()): number {
  const db = openQueueDbReadOnly(options.config);
  try {
    const rows = db
      .prepare('SELECT * FROM evidence ORDER BY parked ASC, priority DESC, created_at_ms ASC')
      .iterate() as Iterable<Row>;
    const counts = { items: 0, bytes: 0, due: 0, 'retry-later': 0, parked: 0 };
    if (options.json === true) out.write('{"items":[');
    for (const row of rows) {
      const item = listing(row, nowMs);
      if (options.json === true) out.write(`${counts.items > 0 ? ',' : ''}\n${JSON.stringify(item)}`);
      else {
        const why = item.state === 'parked' ? `parked: ${item.lastError}` : item.state === 'retry-later' ? `retry at ${item.retryAt} after: ${item.lastError}` : 'due';
        out.write(`${item.id}  task ${item.taskId} r${item.revision}  prio ${item.priority}  ${(item.bytes / 1024).toFixed(0)} KiB  queued ${item.queuedAt}  expires ${item.expiresAt}  ${why}\n`);
      }
      counts.items += 1;
      counts.bytes += item.bytes;
      counts[item.state] += 1;
    }
    if (options.json === true) out.write(`\n],"summary":${JSON.stringify(counts)}}\n`);
    else out.write(`${counts.items} item(s), ${(counts.bytes / 1024 ** 2).toFixed(1)} MiB: ${counts.due} due, ${counts['retry-later']} waiting to retry, ${counts.parked} parked\n`);
    return 0;
  } finally {
    db.close();
  }
}
