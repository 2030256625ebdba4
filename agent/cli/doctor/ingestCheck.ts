// Doctor: the evidence ingest answers over HTTP(S) and does not refuse this vehicle's token.
import { withoutCredentials } from '../../core/transport/urls.ts';
import type { CheckContext, CheckResult } from './check.ts';

export async function checkIngest({ config, timeoutMs }: CheckContext): Promise<CheckResult> {
  const url = withoutCredentials(config.ingest.url);
  try {
    // Nothing is uploaded: a GET of the base URL shows the server is there and how it treats the token.
    const response = await fetch(config.ingest.url, { redirect: 'manual', headers: { authorization: `Bearer ${config.ingest.token}` }, signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer().catch(() => undefined);
    if (response.status === 401 || response.status === 403) {
      return { name: 'ingest', status: 'fail', detail: `${url}: token refused (HTTP ${response.status})` };
    }
    if (response.status >= 500) return { name: 'ingest', status: 'warn', detail: `${url}: reachable, but HTTP ${response.status}` };
    return { name: 'ingest', status: 'ok', detail: `${url}: reachable (HTTP ${response.status})` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    return { name: 'ingest', status: 'fail', detail: `${url}: ${cause}` };
  }
}
