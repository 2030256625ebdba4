// A Prometheus text endpoint on loopback only (GET /metrics), for fleets that scrape through their own tunnel or agent.
import http from 'node:http';
import type { Logger } from 'pino';

export interface MetricsSource {
  readonly contentType: string;
  text(): Promise<string>;
}

/** How often a port that could not be bound is tried again. */
const RETRY_MS = 30_000;

export class MetricsServer {
  private server: http.Server | null = null;
  private failure: string | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly options: { readonly port: number; readonly host?: string },
    private readonly metrics: MetricsSource,
    private readonly logger: Logger,
  ) {}

  /**
   * Listens on 127.0.0.1 (never on an outside interface: the figures name the vehicle and its state). A port that
   * cannot be bound (another process holds it) does not stop the agent: the health says so and it is tried again.
   */
  async start(): Promise<void> {
    this.stopped = false;
    const server = http.createServer((req, res) => void this.answer(req, res));
    const host = this.options.host ?? '127.0.0.1';
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.options.port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      const message = `cannot listen on ${host}:${this.options.port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      if (this.failure !== message) this.logger.error({ err: message }, 'metrics endpoint not served; retrying');
      this.failure = message;
      if (!this.stopped) this.retry = setTimeout(() => void this.start(), RETRY_MS).unref();
      return;
    }
    server.on('error', (err) => this.logger.error({ err: err.message }, 'metrics endpoint error'));
    this.server = server;
    this.failure = null;
    this.logger.info({ url: `http://${host}:${this.port}/metrics` }, 'metrics endpoint listening');
  }

  /** Why the endpoint is not served (its port is taken); null while it listens. */
  get error(): string | null {
    return this.failure;
  }

  /** The port it listens on (the one asked for, or the one the kernel chose for 0). */
  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address !== null ? address.port : this.options.port;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
    const server = this.server;
    this.server = null;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || (path !== '/metrics' && path !== '/')) {
      res.writeHead(path === '/metrics' ? 405 : 404, { 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    try {
      const body = await this.metrics.text();
      res.writeHead(200, { 'content-type': this.metrics.contentType }).end(body);
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'metrics could not be gathered');
      res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be gathered\n');
    }
  }
}
