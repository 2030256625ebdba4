// Retention decisions: which stored evidence must go, and why — expired retention first, then disk quota,
// lowest priority and oldest first. Pure: the caller supplies the items, the usage figures and the time.

export const DAY_MS = 86_400_000;

export type DeletionReason = 'uploaded' | 'retention-expired' | 'quota-max-bytes' | 'quota-min-free' | 'lost';

export interface StoredItem {
  readonly id: string;
  readonly taskId: string;
  readonly priority: number;
  readonly createdAtMs: number;
  readonly retentionDays: number;
  readonly bytes: number;
}

export interface StorageUsage {
  /** Bytes of evidence the queue holds now. */
  readonly usedBytes: number;
  /** Free bytes on the file system that holds dataDir. */
  readonly freeBytes: number;
}

export interface StorageLimits {
  readonly maxBytes: number;
  readonly minFreeBytes: number;
}

export interface Deletion {
  readonly id: string;
  readonly taskId: string;
  readonly bytes: number;
  readonly reason: DeletionReason;
}

export function expiresAtMs(item: Pick<StoredItem, 'createdAtMs' | 'retentionDays'>): number {
  return item.createdAtMs + item.retentionDays * DAY_MS;
}

/** The order in which the quota takes evidence: lowest priority first, then oldest, then by id (stable). */
export function evictionOrder(a: StoredItem, b: StoredItem): number {
  return a.priority - b.priority || a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Decides the deletions. `items` yields the stored items in evictionOrder (a database can stream them so) and is
 * walked twice: first every expired item goes, then, if still needed, further items until the queue is within
 * maxBytes and the disk has minFreeBytes free.
 */
export function planRetention(items: () => Iterable<StoredItem>, nowMs: number, usage: StorageUsage, limits: StorageLimits): Deletion[] {
  let usedBytes = usage.usedBytes;
  let freeBytes = usage.freeBytes;
  const deletions: Deletion[] = [];
  const take = (item: StoredItem, reason: DeletionReason) => {
    deletions.push({ id: item.id, taskId: item.taskId, bytes: item.bytes, reason });
    usedBytes -= item.bytes;
    freeBytes += item.bytes;
  };
  for (const item of items()) if (nowMs >= expiresAtMs(item)) take(item, 'retention-expired');
  const overQuota = () => usedBytes > limits.maxBytes || freeBytes < limits.minFreeBytes;
  if (!overQuota()) return deletions;
  for (const item of items()) {
    if (nowMs >= expiresAtMs(item)) continue;
    if (usedBytes > limits.maxBytes) take(item, 'quota-max-bytes');
    else if (freeBytes < limits.minFreeBytes) take(item, 'quota-min-free');
    else break;
  }
  return deletions;
}
