// A minimal evidence ingest on loopback (demo and tests): accepts PUT /evidence/{id}.jpg|.json and
// PUT /audit/{vehicleId}/{first}-{last}.jsonl with the bearer token and stores each body under its name; the same name
// with the same bytes is accepted again (idempotent). Every answer that stores carries the body's sha256 as its ETag.
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
const AUDIT_NAME = /^\/audit\/([A-Za-z0-9_-]{1,64})\/(\d{1,15}-\d{1,15}\.jsonl)$/;

export async function startIngestReceiver(outDir: string, token: string, port = 0): Promise<IngestReceiver> {
  mkdirSync(outDir, { recursive: true });
  const received: string[] = [];
  const state: { failWith: number | null } = { failWith: null };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, text: string, etag?: string) => {
        res.writeHead(status, { 'content-type': 'text/plain', ...(etag !== undefined ? { etag: `"${etag}"` } : {}) });
        res.end(text);
      };
      if (state.failWith !== null) return reply(state.failWith, 'failing on purpose');
      if (req.headers.authorization !== `Bearer ${token}`) return reply(401, 'bad or missing bearer token');
      const match = req.method === 'PUT' ? NAME.exec(req.url ?? '') : null;
      const audit = req.method === 'PUT' ? AUDIT_NAME.exec(req.url ?? '') : null;
      if (match === null && audit === null) return reply(404, 'PUT /evidence/{id}.jpg or .json, or /audit/{vehicleId}/{first}-{last}.jsonl');
      const name = match !== null ? match[1]! : `audit/${audit![1]!}/${audit![2]!}`;
      const body = Buffer.concat(chunks);
      const file = path.join(outDir, name);
      const hash = sha256(body);
      if (existsSync(file)) {
        const same = sha256(readFileSync(file)) === hash;
        return same ? reply(200, 'already stored', hash) : reply(409, 'different content under the same id');
      }
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, body);
      received.push(name);
      reply(201, 'stored', hash);
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
