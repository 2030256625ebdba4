// The task manifest: the ids and revisions of the tasks a vehicle (or a whole fleet) should hold, signed like a task,
// so the vehicle can tell what it lacks instead of trusting that every retained task reached it.
import { verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { jsonDepth } from './task.ts';
import { signedBytes, SIGNATURE_KEY } from './taskSignature.ts';

/** A manifest lists at most this many tasks (10,000 entries are about 450 KB of JSON). */
export const MAX_MANIFEST_TASKS = 100_000;
/** Default bound of a manifest payload, bytes (config tasks.maxManifestBytes). */
export const DEFAULT_MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
/** A manifest is three levels deep (object → tasks → entry); deeper JSON is never one. */
const MAX_MANIFEST_DEPTH = 4;

const topicId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" and "_" only (it is part of MQTT topics)');

const entry = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'letters, digits, ".", "-" and "_" only').describe('Task id'),
  revision: z.int().min(0).max(2 ** 31).describe('The revision the vehicle should hold (or a newer one)'),
});

export const manifestSchema = z
  .strictObject({
    scope: z
      .union([
        z.strictObject({ vehicleId: topicId.describe('The vehicle this manifest is for') }),
        z.strictObject({ fleetId: topicId.describe('The fleet this manifest is for') }),
      ])
      .describe('Whom the manifest is for; must match the topic it arrives on'),
    revision: z
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .describe('Increases with every publish; a vehicle never takes an older one than it has'),
    issuedAt: z.iso.datetime({ offset: true, error: 'an ISO 8601 time with zone' }).describe('When the central side made it'),
    tasks: z
      .array(entry)
      .max(MAX_MANIFEST_TASKS)
      .superRefine((tasks, ctx) => {
        const seen = new Set<string>();
        for (const [i, t] of tasks.entries()) {
          if (seen.has(t.id)) ctx.addIssue({ code: 'custom', message: `task "${t.id}" is listed twice`, path: [i, 'id'] });
          seen.add(t.id);
        }
      })
      .describe('Every task of this scope the vehicle should hold, with its current revision; withdrawn tasks are left out'),
    signature: z
      .string()
      .optional()
      .describe('Ed25519 signature (base64) over the canonical JSON without this key, as for tasks; required when the vehicle has tasks.publicKeys'),
  })
  .describe(
    'The tasks of one scope; retained on {prefix}/vehicle/{vehicleId}/manifest and optionally {prefix}/fleet/{fleetId}/manifest, QoS 1',
  );

export type ManifestMessage = z.infer<typeof manifestSchema>;

export type ManifestScope = { readonly vehicleId: string } | { readonly fleetId: string };

export interface Manifest {
  readonly scope: 'vehicle' | 'fleet';
  readonly revision: number;
  readonly issuedAt: string;
  /** Task id → revision to hold. */
  readonly tasks: ReadonlyMap<string, number>;
}

export interface ManifestLimits {
  readonly maxBytes: number;
  /** When non-empty, the manifest must be signed by one of these keys. */
  readonly publicKeys: readonly KeyObject[];
}

export type ManifestParseResult =
  | { readonly ok: true; readonly manifest: Manifest }
  | { readonly ok: false; readonly revision?: number; readonly errors: readonly { path: string; message: string }[] };

/** Parses a manifest that arrived on the topic of `expected` (this vehicle's, or its fleet's). */
export function parseManifest(payload: Buffer | string, expected: ManifestScope, limits: ManifestLimits): ManifestParseResult {
  const fail = (path: string, message: string, revision?: number): ManifestParseResult => ({
    ok: false,
    ...(revision !== undefined ? { revision } : {}),
    errors: [{ path, message }],
  });
  const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (bytes > limits.maxBytes) return fail('', `the manifest has ${bytes} bytes; at most ${limits.maxBytes} are taken`);
  const text = payload.toString();
  if (jsonDepth(text, MAX_MANIFEST_DEPTH) > MAX_MANIFEST_DEPTH) return fail('', `nested deeper than ${MAX_MANIFEST_DEPTH} levels; no manifest is`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail('', `not JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('', 'a manifest is a JSON object');
  const rawRevision = (raw as Record<string, unknown>)['revision'];
  const hint = Number.isSafeInteger(rawRevision) ? (rawRevision as number) : undefined;
  if (limits.publicKeys.length > 0) {
    const problem = checkManifestSignature(raw as Record<string, unknown>, limits.publicKeys);
    if (problem !== null) return fail('signature', problem, hint);
  }
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    const errors = result.error.issues.slice(0, 20).map((issue) => ({
      path: issue.path.join('.'),
      message: issue.code === 'unrecognized_keys' ? `unknown key(s): ${issue.keys.join(', ')}` : issue.message,
    }));
    return { ok: false, ...(hint !== undefined ? { revision: hint } : {}), errors };
  }
  const m = result.data;
  const scope = 'vehicleId' in m.scope ? 'vehicle' : 'fleet';
  const wanted = 'vehicleId' in expected ? `vehicle "${expected.vehicleId}"` : `fleet "${expected.fleetId}"`;
  const got = 'vehicleId' in m.scope ? `vehicle "${m.scope.vehicleId}"` : `fleet "${m.scope.fleetId}"`;
  if (wanted !== got) return fail('scope', `the manifest is for ${got}, but arrived on the topic of ${wanted}`, m.revision);
  return {
    ok: true,
    manifest: { scope, revision: m.revision, issuedAt: m.issuedAt, tasks: new Map(m.tasks.map((t) => [t.id, t.revision])) },
  };
}

function checkManifestSignature(doc: Record<string, unknown>, keys: readonly KeyObject[]): string | null {
  const signature = doc[SIGNATURE_KEY];
  if (signature === undefined) return 'the manifest is not signed, and this vehicle only takes signed manifests';
  if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(signature)) {
    return 'the signature must be the 64-byte Ed25519 signature in base64';
  }
  let bytes: Buffer;
  try {
    bytes = signedBytes(doc);
  } catch (err) {
    return (err as Error).message;
  }
  const sig = Buffer.from(signature, 'base64');
  return keys.some((key) => verify(null, bytes, key, sig)) ? null : 'the signature does not verify with any trusted key';
}
