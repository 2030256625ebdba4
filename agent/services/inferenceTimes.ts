// Times every detection and redaction (a rolling window of ms for the status's p95) and notes an inference that has
// been running for a while, so the watchdog can tell a hung model from a busy one.
import { performance } from 'node:perf_hooks';
import { RollingWindow } from '../core/status/rollingWindow.ts';
import type { Clock } from '../ports/clock.ts';
import type { Detection, ObjectDetector, RedactedImage, Redactor } from '../ports/detector.ts';
import type { Frame } from '../ports/frame.ts';

export interface InferenceFigures {
  /** p95 of the last detections, ms; null before the first. */
  readonly detectP95Ms: number | null;
  readonly redactP95Ms: number | null;
  /** Detections and redactions timed since start. */
  readonly detections: number;
  readonly redactions: number;
}

export class InferenceTimes {
  readonly detectMs: RollingWindow;
  readonly redactMs: RollingWindow;
  private readonly running = new Map<number, number>();
  private nextCall = 0;

  constructor(
    private readonly clock: Clock,
    windowSize = 100,
  ) {
    this.detectMs = new RollingWindow(windowSize);
    this.redactMs = new RollingWindow(windowSize);
  }

  figures(): InferenceFigures {
    const p95 = (w: RollingWindow) => {
      const v = w.percentile(95);
      return v === null ? null : Math.round(v * 10) / 10;
    };
    return { detectP95Ms: p95(this.detectMs), redactP95Ms: p95(this.redactMs), detections: this.detectMs.pushed, redactions: this.redactMs.pushed };
  }

  /** How long the oldest inference still running has been at it, ms; 0 when none runs. */
  longestRunningMs(): number {
    let oldest: number | null = null;
    for (const since of this.running.values()) oldest = oldest === null ? since : Math.min(oldest, since);
    return oldest === null ? 0 : Math.max(0, this.clock.nowMs() - oldest);
  }

  /** The detector, timed. */
  detector(inner: ObjectDetector): ObjectDetector {
    return {
      get labels() {
        return inner.labels;
      },
      get models() {
        return inner.models;
      },
      detect: (frame: Frame): Promise<Detection[]> => this.timed(this.detectMs, () => inner.detect(frame)),
    };
  }

  /** The redactor, timed (only redactions that succeed count towards the p95; failures are counted elsewhere). */
  redactor(inner: Redactor): Redactor {
    return {
      get models() {
        return inner.models;
      },
      redact: (frame: Frame, objects: readonly Detection[]): Promise<RedactedImage> => this.timed(this.redactMs, () => inner.redact(frame, objects)),
      close: () => inner.close(),
    };
  }

  private async timed<T>(window: RollingWindow, call: () => Promise<T>): Promise<T> {
    const id = this.nextCall++;
    this.running.set(id, this.clock.nowMs());
    const startedAt = performance.now();
    try {
      const result = await call();
      window.push(performance.now() - startedAt);
      return result;
    } finally {
      this.running.delete(id);
    }
  }
}
