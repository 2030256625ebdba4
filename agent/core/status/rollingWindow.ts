// A small ring of the most recent durations (ms) with a percentile, for the status's detector and redaction figures.
export class RollingWindow {
  private readonly values: number[] = [];
  private next = 0;
  private total = 0;

  constructor(private readonly size: number = 100) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`window size must be a positive integer, got ${size}`);
  }

  push(value: number): void {
    if (!Number.isFinite(value)) return;
    this.total += 1;
    if (this.values.length < this.size) this.values.push(value);
    else this.values[this.next] = value;
    this.next = (this.next + 1) % this.size;
  }

  /** How many values are in the window now. */
  get count(): number {
    return this.values.length;
  }

  /** How many values were ever pushed. */
  get pushed(): number {
    return this.total;
  }

  /** Nearest-rank percentile (p in 0..100) of the values in the window; null while it is empty. */
  percentile(p: number): number | null {
    if (this.values.length === 0) return null;
    const sorted = [...this.values].sort((a, b) => a - b);
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length));
    return sorted[rank - 1]!;
  }
}
