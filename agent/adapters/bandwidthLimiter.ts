// A token bucket shared by every upload: caps the bytes sent per second (upload.maxKbps on a metered link).
export class BandwidthLimiter {
  private availableBytes: number;
  private lastRefillMs: number;
  /** Largest burst: half a second's worth, so the cap holds over any window longer than that. */
  private readonly capacityBytes: number;
  readonly bytesPerS: number;
  /** Bodies are sent in chunks of this size, so the cap is smooth rather than one burst per item. */
  readonly chunkBytes: number;

  constructor(
    maxKbps: number,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.bytesPerS = (maxKbps * 1000) / 8;
    this.chunkBytes = Math.max(512, Math.min(16 * 1024, Math.floor(this.bytesPerS / 10)));
    this.capacityBytes = Math.max(this.chunkBytes, this.bytesPerS / 2);
    this.availableBytes = this.chunkBytes;
    this.lastRefillMs = this.nowMs();
  }

  /** Waits until `bytes` may be sent; rejects when the signal aborts. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      this.refill();
      if (this.availableBytes >= bytes) {
        this.availableBytes -= bytes;
        return;
      }
      const waitMs = Math.ceil(((bytes - this.availableBytes) / this.bytesPerS) * 1000);
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal!.reason as Error);
        };
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, Math.max(1, waitMs));
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  private refill(): void {
    const now = this.nowMs();
    this.availableBytes = Math.min(this.capacityBytes, this.availableBytes + ((now - this.lastRefillMs) / 1000) * this.bytesPerS);
    this.lastRefillMs = now;
  }
}
