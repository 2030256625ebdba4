// The last payload seen on each task topic, by hash: the same bytes again (a retained copy after a reconnect, a
// flood of repeats) are counted, not parsed, acked or audited again. Bounded: the oldest topic is forgotten first.
import { createHash } from 'node:crypto';

export class RecentPayloads {
  private readonly hashByKey = new Map<string, string>();

  constructor(private readonly maxKeys: number) {}

  /** True when `payload` is what `key` carried last; otherwise it becomes what `key` carried last. */
  repeat(key: string, payload: Buffer): boolean {
    const hash = createHash('sha256').update(payload).digest('base64');
    if (this.hashByKey.get(key) === hash) return true;
    this.hashByKey.delete(key);
    this.hashByKey.set(key, hash);
    while (this.hashByKey.size > this.maxKeys) this.hashByKey.delete(this.hashByKey.keys().next().value!);
    return false;
  }

  /** The next payload on `key` is judged again whatever it is. */
  forget(key: string): void {
    this.hashByKey.delete(key);
  }
}
