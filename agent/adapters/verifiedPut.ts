// One HTTP PUT whose success is proven, not assumed: no redirect followed, only 200/201/204 count, the answer read to a
// small limit, and where the ingest says which sha256 it stored (ETag or JSON body) it must be the one sent.
import { createHash } from 'node:crypto';
import { UploadError } from '../ports/uploader.ts';
import type { BandwidthLimiter } from './bandwidthLimiter.ts';

/** The part of an answer that is read; the rest is not (a 1.5 GB answer must not be held in memory). */
export const MAX_ANSWER_BYTES = 64 * 1024;
/** The statuses that mean "stored": 200 OK (also an idempotent repeat), 201 Created, 204 No Content. */
const STORED = new Set([200, 201, 204]);

export interface PutOptions {
  readonly token: string;
  readonly timeoutMs: number;
  /** When set, the body is streamed in chunks no faster than the limiter allows. */
  readonly limiter?: BandwidthLimiter;
}

/** PUTs `body` to `url`; resolves only when the ingest proved it stored exactly these bytes. `name` is for messages.
 *  `stop` aborts the request; once `maySend` says no, no further byte is sent (the answer to bytes sent is awaited). */
export async function verifiedPut(
  options: PutOptions,
  url: string,
  name: string,
  body: Buffer,
  contentType: string,
  stop?: AbortSignal,
  maySend: () => boolean = () => true,
): Promise<void> {
  if (!maySend()) throw new UploadError(`PUT ${name} not sent: its retention ran out`);
  // An own controller and timer rather than AbortSignal.any(AbortSignal.timeout(…)): on Node 20 the combined signal
  // can be garbage-collected before it fires, leaving a PUT to a silent ingest waiting forever.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`no answer within ${options.timeoutMs} ms`));
  }, options.timeoutMs);
  const onStop = () => controller.abort(new Error('stopping'));
  const sending = { cut: false };
  if (stop?.aborted === true) onStop();
  stop?.addEventListener('abort', onStop, { once: true });
  try {
    let response: Response;
    let answer: Buffer;
    try {
      response = await fetch(url, {
        method: 'PUT',
        ...bodyOf(body, options.limiter, controller.signal, maySend, () => (sending.cut = true)),
        headers: { authorization: `Bearer ${options.token}`, 'content-type': contentType },
        // A redirect is never followed: a 303 would turn the PUT into a GET whose 200 proves nothing, and the bearer
        // token must not travel to wherever the answer points.
        redirect: 'manual',
        signal: controller.signal,
      });
      answer = await readLimited(response, MAX_ANSWER_BYTES);
    } catch (err) {
      if (stop?.aborted === true) throw new UploadError(`PUT ${name} interrupted: the agent is stopping`);
      if (sending.cut) throw new UploadError(`PUT ${name} cut short: its retention ran out`);
      if (timedOut) throw new UploadError(`PUT ${name} failed: no answer within ${options.timeoutMs} ms`);
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new UploadError(`PUT ${name} failed: ${cause}`);
    }
    judgeAnswer(name, response, answer, body);
  } finally {
    clearTimeout(timer);
    stop?.removeEventListener('abort', onStop);
  }
}

function judgeAnswer(name: string, response: Response, answer: Buffer, sent: Buffer): void {
  const status = response.status;
  if (status >= 300 && status < 400) {
    const location = (response.headers.get('location') ?? '(no Location)').slice(0, 200);
    throw new UploadError(`PUT ${name} answered HTTP ${status} pointing to ${location}; redirects are not followed (fix ingest.url)`, status);
  }
  if (!STORED.has(status)) {
    const text = status >= 200 && status < 300 ? '; only 200, 201 and 204 count as stored' : '';
    throw new UploadError(`PUT ${name} answered HTTP ${status}${text}`, status);
  }
  const claimed = storedSha256(response, answer);
  if (claimed === null) return;
  const expected = createHash('sha256').update(sent).digest('hex');
  if (claimed !== expected) {
    // Not a refusal: the ingest stored something else (a cut body, a proxy's page); the item waits and is sent again.
    throw new UploadError(`PUT ${name}: the ingest stored sha256 ${claimed}, but ${expected} was sent`);
  }
}

/** The sha256 the ingest says it stored: an ETag of 64 hex digits, or "sha256" in a JSON answer; null when it says none. */
export function storedSha256(response: Response, answer: Buffer): string | null {
  const etag = response.headers.get('etag')?.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase() ?? '';
  if (/^[0-9a-f]{64}$/.test(etag)) return etag;
  if (!(response.headers.get('content-type') ?? '').includes('json') || answer.length === 0) return null;
  try {
    const parsed: unknown = JSON.parse(answer.toString('utf8'));
    const sha = typeof parsed === 'object' && parsed !== null ? (parsed as { sha256?: unknown }).sha256 : undefined;
    return typeof sha === 'string' ? sha.toLowerCase() : null;
  } catch {
    return null; // cut at the limit, or not JSON after all: judged by status and headers alone
  }
}

/** Reads at most `limit` bytes of the answer and drops the rest unread (the connection is closed, not drained). */
async function readLimited(response: Response, limit: number): Promise<Buffer> {
  const reader = response.body?.getReader();
  if (reader === undefined) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    const room = limit - bytes;
    chunks.push(value.length > room ? value.subarray(0, room) : value);
    bytes += Math.min(value.length, room);
    if (bytes >= limit) {
      await reader.cancel().catch(() => undefined);
      return Buffer.concat(chunks);
    }
  }
}

/** The whole buffer at once, or — under a bandwidth cap — a stream that waits for the limiter before each chunk and
 *  stops (calling `onCut`) when `maySend` says no before the last chunk went. */
function bodyOf(
  body: Buffer,
  limiter: BandwidthLimiter | undefined,
  stop: AbortSignal,
  maySend: () => boolean,
  onCut: () => void,
): { body: BodyInit; duplex?: 'half' } {
  if (limiter === undefined) return { body: new Uint8Array(body) as unknown as BodyInit };
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset >= body.length) {
        controller.close();
        return;
      }
      const chunk = body.subarray(offset, offset + limiter.chunkBytes);
      await limiter.take(chunk.length, stop);
      if (!maySend()) {
        onCut();
        controller.error(new Error('no longer to be sent'));
        return;
      }
      offset += chunk.length;
      controller.enqueue(new Uint8Array(chunk));
    },
  });
  // A streamed request body needs half-duplex in fetch.
  return { body: stream as unknown as BodyInit, duplex: 'half' };
}
