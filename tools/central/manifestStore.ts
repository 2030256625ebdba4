// The retained manifest of one scope: read it back (only when our key signed it) and publish the next one.
import type { MqttClient } from 'mqtt';
import { manifestSchema, manifestTopic, nextManifest, type Manifest, type ManifestEntry, type ManifestScope } from '../../agent/core/tasks/manifest.ts';
import { checkSignature } from '../../agent/core/tasks/taskSignature.ts';
import { readRetained } from './retained.ts';
import { signedPayload, type SigningKey } from './signing.ts';

export interface ManifestChange {
  readonly upserts?: readonly ManifestEntry[];
  readonly removals?: readonly string[];
}

export class ManifestError extends Error {}

/**
 * The manifest retained for `scope`, or null when there is none. A manifest this key did not sign (another key, a
 * tampered copy, junk) is an error unless `reset`: building on it would sign what someone else put there.
 */
export async function readManifest(
  client: MqttClient,
  prefix: string,
  scope: ManifestScope,
  key: SigningKey,
  options: { readonly timeoutMs: number; readonly reset: boolean },
): Promise<Manifest | null> {
  const topic = manifestTopic(prefix, scope);
  const read = await readRetained(client, prefix, [topic], options.timeoutMs);
  if (!read.complete) throw new ManifestError(`the broker did not hand over the retained ${topic} within ${options.timeoutMs} ms`);
  const payload = read.messages.get(topic);
  if (payload === undefined || options.reset) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new ManifestError(`${topic} holds something that is not JSON; --reset-manifest starts a new manifest`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new ManifestError(`${topic} is not a manifest (${first.path.join('.')}: ${first.message}); --reset-manifest starts a new one`);
  }
  const problem = checkSignature(raw as Record<string, unknown>, [key.publicKey]);
  if (problem !== null) throw new ManifestError(`${topic}: ${problem}; --reset-manifest starts a new manifest signed by this key`);
  return parsed.data;
}

/** Publishes the next manifest, signed and retained; returns it. */
export async function publishManifest(
  client: MqttClient,
  prefix: string,
  scope: ManifestScope,
  previous: Manifest | null,
  change: ManifestChange,
  key: SigningKey,
  nowMs: number,
): Promise<Manifest> {
  const next = nextManifest(previous, scope, change, nowMs);
  await client.publishAsync(manifestTopic(prefix, scope), signedPayload(next, key), { qos: 1, retain: true });
  return next;
}
