// GPS source that replays an NMEA log like a live receiver: the file's own spacing divided by a speed factor.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { readNmeaEpochs, type NmeaEpoch } from '../core/gps/nmea.ts';
import type { Fix, FixListener, GpsSource } from '../ports/gps.ts';

export interface NmeaFileGpsOptions {
  readonly path: string;
  /** Replay multiplier: 1 = real time, 20 = twenty times faster. */
  readonly speed: number;
  /** Start again from the first fix after the last one. Default false. */
  readonly loop?: boolean;
}

/** Gap used when the file gives no usable time between two fixes (missing, equal or going backwards). */
const DEFAULT_GAP_MS = 1000;
/** A gap longer than this in the log (receiver off, file joined from two drives) is shortened to it. */
const MAX_GAP_MS = 10_000;

export class NmeaFileGps implements GpsSource {
  private readonly listeners = new Set<FixListener>();
  private epochs: readonly NmeaEpoch[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private signal: AbortSignal | undefined;
  private readonly onAbort = (): void => void this.stop();

  constructor(
    private readonly options: NmeaFileGpsOptions,
    private readonly clock: { nowMs(): number },
    private readonly logger: Logger,
  ) {}

  /** Reads the file and plays its first fix right away; rejects when the file has no fix with a position. */
  async start(signal: AbortSignal): Promise<void> {
    if (this.running) return;
    if (!(this.options.speed > 0)) throw new Error(`replay speed must be positive, got ${this.options.speed}`);
    const epochs = readNmeaEpochs(await readFile(this.options.path, 'utf8'));
    if (epochs.length === 0) throw new Error(`no NMEA fixes with a position in ${this.options.path}`);
    if (signal.aborted) return;
    this.epochs = epochs;
    this.running = true;
    this.signal = signal;
    signal.addEventListener('abort', this.onAbort, { once: true });
    this.logger.info({ path: this.options.path, fixes: epochs.length, speed: this.options.speed }, 'replaying NMEA file');
    this.schedule(0, 0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.signal = undefined;
  }

  onFix(listener: FixListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private schedule(index: number, delayMs: number): void {
    this.timer = setTimeout(() => this.play(index), delayMs);
  }

  private play(index: number): void {
    if (!this.running) return;
    const epoch = this.epochs[index]!;
    this.emit(epoch);
    const next = this.epochs[index + 1];
    if (next) {
      this.schedule(index + 1, gapMs(epoch, next) / this.options.speed);
    } else if (this.options.loop) {
      this.schedule(0, DEFAULT_GAP_MS / this.options.speed);
    } else {
      this.logger.info({ path: this.options.path }, 'NMEA replay finished');
      this.timer = undefined;
      this.running = false;
    }
  }

  private emit(epoch: NmeaEpoch): void {
    // Played like a live receiver: the fix is "now", not the time written in the file.
    const fix: Fix = {
      timeMs: this.clock.nowMs(),
      lat: epoch.lat,
      lon: epoch.lon,
      mode: epoch.valid ? 3 : 1,
      ...(epoch.speedMps !== undefined ? { speedMps: epoch.speedMps } : {}),
      ...(epoch.trackDeg !== undefined ? { trackDeg: epoch.trackDeg } : {}),
    };
    for (const listener of [...this.listeners]) {
      try {
        listener(fix);
      } catch (error) {
        this.logger.error({ err: error }, 'GPS fix listener failed');
      }
    }
  }
}

function gapMs(a: NmeaEpoch, b: NmeaEpoch): number {
  if (a.timeMs !== undefined && b.timeMs !== undefined) {
    const gap = b.timeMs - a.timeMs;
    if (gap > 0) return Math.min(gap, MAX_GAP_MS);
  } else if (a.timeOfDayMs !== undefined && b.timeOfDayMs !== undefined) {
    const gap = (b.timeOfDayMs - a.timeOfDayMs + 86_400_000) % 86_400_000; // across midnight
    if (gap > 0) return Math.min(gap, MAX_GAP_MS);
  }
  return DEFAULT_GAP_MS;
}
