// A minimal evidence ingest on loopback (demo and tests): accepts PUT /evidence/{id}.jpg|.json with the bearer
// token and stores each body under its name; the same name with the same bytes is accepted again (idempotent).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export interface IngestReceiver {
  readonly url: string;
  readonly port: number;
  /** Names stored so far, in arrival order. */
  readonly received: string[];
  /** When set, every request is answered with this status (to simulate an ingest that is down or refuses). */
  failWith: number | null;
  stop(): Promise<void>;
}

const NAME = /^\/evidence\/([A-Za-z0-9-]+\.(?:jpg|json))$/;

export async function startIngestReceiver(outDir: string, token: string, port = 0): Promise<IngestReceiver> {
  mkdirSync(outDir, { recursive: true });
  const received: string[] = [];
  const state: { failWith: number | null } = { failWith: null };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, text: string) => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(text);
      };
      if (state.failWith !== null) return reply(state.failWith, 'failing on purpose');
      if (req.headers.authorization !== `Bearer ${token}`) return reply(401, 'bad or missing bearer token');
      const match = req.method === 'PUT' ? NAME.exec(req.url ?? '') : null;
      if (match === null) return reply(404, 'PUT /evidence/{id}.jpg or .json');
      const name = match[1]!;
      const body = Buffer.concat(chunks);
      const file = path.join(outDir, name);
      if (existsSync(file)) {
        const same = sha256(readFileSync(file)) === sha256(body);
        return same ? reply(200, 'already stored') : reply(409, 'different content under the same id');
      }
      writeFileSync(file, body);
      received.push(name);
      reply(201, 'stored');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    received,
    get failWith() {
      return state.failWith;
    },
    set failWith(value: number | null) {
      state.failWith = value;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
