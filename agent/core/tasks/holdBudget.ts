// What the vehicle holds of tasks: how many, how many bytes of their messages, how many task ids it remembers.
// Beyond these a new task is refused with the reason, rather than memory growing with what the broker sends.

/** Task ids whose highest revision is remembered, at most this many times maxHeld (withdrawn and expired ones stay). */
const KNOWN_IDS_PER_HELD = 10;

export class HoldBudget {
  private readonly bytesById = new Map<string, number>();
  private totalBytes = 0;

  constructor(
    readonly maxHeld: number,
    readonly maxHeldBytes: number,
  ) {}

  /** The task is held with a message of `bytes` (replacing what was counted for it). */
  hold(taskId: string, bytes: number): void {
    this.totalBytes += bytes - (this.bytesById.get(taskId) ?? 0);
    this.bytesById.set(taskId, bytes);
  }

  /** The task is no longer held. */
  release(taskId: string): void {
    this.totalBytes -= this.bytesById.get(taskId) ?? 0;
    this.bytesById.delete(taskId);
  }

  /**
   * Null when a task of this id and message size fits beside the `heldCount` tasks held (one of them this id when
   * `replacing`) and the `idsKnown` remembered ids (this one among them when `idKnown`); else why not, naming the
   * setting.
   */
  roomFor(taskId: string, bytes: number, held: { count: number; replacing: boolean; idsKnown: number; idKnown: boolean }): string | null {
    if (!held.replacing && held.count >= this.maxHeld) return `the vehicle holds ${held.count} tasks, its most (tasks.maxHeld)`;
    if (this.totalBytes - (this.bytesById.get(taskId) ?? 0) + bytes > this.maxHeldBytes) {
      return `the tasks held would exceed ${this.maxHeldBytes} bytes (tasks.maxHeldBytes)`;
    }
    if (!held.idKnown && held.idsKnown >= KNOWN_IDS_PER_HELD * this.maxHeld) {
      return `the vehicle remembers ${held.idsKnown} task ids, its most; no new id is taken`;
    }
    return null;
  }
}
