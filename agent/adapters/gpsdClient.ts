// GPS source over gpsd's JSON protocol (TCP): WATCH, TPV → Fix, and its own stoppable reconnect with backoff.
import net from 'node:net';
import type { Logger } from 'pino';
import type { Fix, FixListener, GpsSource } from '../ports/gps.ts';

export interface GpsdClientOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 2947. */
  readonly port?: number;
  /** First reconnect delay; doubles per failed attempt. Default 500. */
  readonly reconnectMinMs?: number;
  /** Cap of the reconnect delay. Default 10 000. */
  readonly reconnectMaxMs?: number;
  /** A connection attempt that takes longer is given up. Default 5000. */
  readonly connectTimeoutMs?: number;
}

/** A line longer than this is not gpsd talking (gpsd's largest reports are a few kB). */
const MAX_LINE_BYTES = 256 * 1024;
const WATCH = '?WATCH={"enable":true,"json":true};\n';

export class GpsdClient implements GpsSource {
  private readonly listeners = new Set<FixListener>();
  private socket: net.Socket | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private running = false;
  private failures = 0;
  private state: boolean | null = null;
  private buffered = '';
  private signal: AbortSignal | undefined;
  private readonly onAbort = (): void => void this.stop();

  constructor(
    private readonly options: GpsdClientOptions,
    private readonly logger: Logger,
  ) {}

  /** Starts connecting and resolves at once: a missing gpsd is retried in the background, not an error. */
  async start(signal: AbortSignal): Promise<void> {
    if (this.running || signal.aborted) return;
    this.running = true;
    this.failures = 0;
    this.state = null;
    this.signal = signal;
    signal.addEventListener('abort', this.onAbort, { once: true });
    this.connect();
  }

  /** Closes the connection and cancels any reconnect, so nothing keeps the process alive. */
  async stop(): Promise<void> {
    this.running = false;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.signal = undefined;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    if (socket && !socket.destroyed) {
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.destroy();
      await closed;
    }
  }

  /** true while connected to gpsd, false after a failed or lost connection, null before the first attempt ended. */
  get connected(): boolean | null {
    return this.state;
  }

  onFix(listener: FixListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  private get port(): number {
    return this.options.port ?? 2947;
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    if (!this.running) return;
    this.buffered = '';
    const socket = net.connect({ host: this.host, port: this.port });
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.setTimeout(this.options.connectTimeoutMs ?? 5000);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.setKeepAlive(true, 10_000);
      this.failures = 0;
      this.state = true;
      this.logger.info({ host: this.host, port: this.port }, 'connected to gpsd');
      socket.write(WATCH);
    });
    socket.on('timeout', () => socket.destroy(new Error('connect timed out')));
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (error) => {
      this.logger.debug({ err: error }, 'gpsd connection error');
    });
    socket.once('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (!this.running) return;
      this.state = false;
      this.failures++;
      const delayMs = Math.min(
        this.options.reconnectMaxMs ?? 10_000,
        (this.options.reconnectMinMs ?? 500) * 2 ** Math.min(this.failures - 1, 20),
      );
      const log = this.failures <= 1 ? this.logger.warn.bind(this.logger) : this.logger.debug.bind(this.logger);
      log({ host: this.host, port: this.port, delayMs, attempt: this.failures }, 'gpsd connection lost, reconnecting');
      this.reconnectTimer = setTimeout(() => this.connect(), delayMs);
    });
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    if (this.buffered.length > MAX_LINE_BYTES) {
      this.logger.warn({ bytes: this.buffered.length }, 'gpsd sent an overlong line, dropped');
      this.buffered = '';
      return;
    }
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      const fix = parseGpsdTpv(line);
      if (fix) this.emit(fix);
    }
  }

  private emit(fix: Fix): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(fix);
      } catch (error) {
        this.logger.error({ err: error }, 'GPS fix listener failed');
      }
    }
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * One line of gpsd JSON → Fix, for TPV reports that carry a position; undefined for every other class,
 * for TPVs without lat/lon (no fix yet) and for lines that are not JSON.
 */
export function parseGpsdTpv(line: string, nowMs: () => number = Date.now): Fix | undefined {
  let report: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    report = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (report.class !== 'TPV') return undefined;
  const lat = num(report.lat);
  const lon = num(report.lon);
  if (lat === undefined || lon === undefined) return undefined;
  const rawMode = num(report.mode) ?? 0;
  const mode = (rawMode >= 0 && rawMode <= 3 ? Math.trunc(rawMode) : 0) as Fix['mode'];
  const parsedTime = typeof report.time === 'string' ? Date.parse(report.time) : NaN;
  const speedMps = num(report.speed);
  const trackDeg = num(report.track);
  const epx = num(report.epx);
  const epy = num(report.epy);
  const horizontalErrorM = num(report.eph) ?? (epx !== undefined && epy !== undefined ? Math.max(epx, epy) : undefined);
  return {
    timeMs: Number.isNaN(parsedTime) ? nowMs() : parsedTime,
    lat,
    lon,
    mode,
    ...(speedMps !== undefined ? { speedMps } : {}),
    ...(trackDeg !== undefined ? { trackDeg } : {}),
    ...(horizontalErrorM !== undefined ? { horizontalErrorM } : {}),
  };
}
