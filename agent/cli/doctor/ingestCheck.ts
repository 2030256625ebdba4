// Doctor: the evidence ingest answers over HTTP(S) and does not refuse this vehicle's token.
import { createUploader } from '../../adapters/factories/createUploader.ts';
import { credentialsHiddenIn, withoutCredentials } from '../../core/transport/urls.ts';
import type { CheckContext, CheckResult } from './check.ts';

export async function checkIngest({ config, timeoutMs }: CheckContext): Promise<CheckResult> {
  const url = withoutCredentials(config.ingest.url);
  try {
    // Nothing is uploaded: the agent's own uploader asks the base URL, which shows the server is there and how it
    // treats the token.
    const status = await createUploader(config).probe(timeoutMs);
    if (status === 401 || status === 403) return { name: 'ingest', status: 'fail', detail: `${url}: token refused (HTTP ${status})` };
    if (status >= 500) return { name: 'ingest', status: 'warn', detail: `${url}: reachable, but HTTP ${status}` };
    return { name: 'ingest', status: 'ok', detail: `${url}: reachable (HTTP ${status})` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    return { name: 'ingest', status: 'fail', detail: `${url}: ${credentialsHiddenIn(cause)}` };
  }
}
