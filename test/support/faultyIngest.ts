// An unreliable ingest in front of a good one: one of each fault first, then at random it answers 500, resets the connection, never answers
// (the client's timeout must fire) or crawls (answers late); otherwise it forwards the request. Faults can be switched off.
import http from 'node:http';

export type Fault = 'ok' | 'error500' | 'reset' | 'hang' | 'crawl';

export interface FaultyIngest {
  readonly url: string;
  /** How often each fault was dealt. */
  readonly dealt: Record<Fault, number>;
  faulty: boolean;
  stop(): Promise<void>;
}

const FAULTS: readonly Fault[] = ['ok', 'ok', 'error500', 'reset', 'hang', 'crawl'];
/** Dealt first, one each, so every kind of fault surely happens; then faults come at random. */
const FIRST_FAULTS: readonly Fault[] = ['error500', 'reset', 'hang', 'crawl'];

export async function startFaultyIngest(targetUrl: string, random: () => number = Math.random): Promise<FaultyIngest> {
  const dealt: Record<Fault, number> = { ok: 0, error500: 0, reset: 0, hang: 0, crawl: 0 };
  const state = { faulty: true };
  const forward = async (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => {
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    try {
      const answer = await fetch(`${targetUrl}${req.url ?? ''}`, { method: req.method ?? 'PUT', headers, body: new Uint8Array(body) });
      res.writeHead(answer.status, { 'content-type': 'text/plain' });
      res.end(await answer.text());
    } catch {
      res.destroy();
    }
  };
  const server = http.createServer((req, res) => {
    const faultsDealt = dealt.error500 + dealt.reset + dealt.hang + dealt.crawl;
    const fault = !state.faulty
      ? 'ok'
      : (FIRST_FAULTS[faultsDealt] ?? FAULTS[Math.floor(random() * FAULTS.length)]!);
    dealt[fault] += 1;
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === 'hang') {
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (fault === 'error500') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('failing on purpose');
        return;
      }
      // A crawling ingest answers, but only after a long pause (within the agent's request timeout).
      setTimeout(() => void forward(req, Buffer.concat(chunks), res), fault === 'crawl' ? 1_200 : 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    dealt,
    get faulty() {
      return state.faulty;
    },
    set faulty(value: boolean) {
      state.faulty = value;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
