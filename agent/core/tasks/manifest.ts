// The task manifest: which task ids and revisions a vehicle (or a whole fleet) should hold, signed like a task.
import { verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { jsonDepth } from './task.ts';
import { signedBytes, SIGNATURE_KEY } from './taskSignature.ts';

/** Task ids, as in a task; vehicle and fleet ids, as in a task's scope. */
const taskIdText = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'letters, digits, ".", "-" and "_" only, at most 128');
const audienceId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" and "_" only, at most 64');

/** Most task entries one manifest lists (a vehicle applies its own, lower limit of tasks held). */
export const MAX_MANIFEST_TASKS = 100_000;

export const manifestScopeSchema = z
  .union([
    z.strictObject({ vehicleId: audienceId.describe('The one vehicle this manifest is for') }),
    z.strictObject({ fleetId: audienceId.describe('The fleet this manifest is for; every vehicle of it merges it with its own') }),
  ])
  .describe('Who the manifest is for; must match the topic it arrives on; covered by the signature');

export const manifestEntrySchema = z.strictObject({
  id: taskIdText.describe('Task id, the last level of its task topic'),
  revision: z.int().min(0).max(2 ** 31).describe('The revision of the task the vehicle should hold'),
});

export const manifestSchema = z
  .strictObject({
    scope: manifestScopeSchema,
    revision: z
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .describe('Increases with every publish of this manifest; an older revision never replaces a newer one'),
    issuedAt: z.iso.datetime({ offset: true, error: 'an ISO 8601 time with zone' }).describe('When the central side made it'),
    tasks: z
      .array(manifestEntrySchema)
      .max(MAX_MANIFEST_TASKS)
      .refine((tasks) => new Set(tasks.map((t) => t.id)).size === tasks.length, { message: 'a task id is listed twice' })
      .describe('Every task the vehicle should hold, with its revision; a task not listed is not assigned'),
    signature: z
      .string()
      .optional()
      .describe('Ed25519 signature (base64) over the canonical JSON without this key, as for tasks; required when the vehicle has tasks.publicKeys'),
  })
  .describe(
    'What a vehicle should hold; retained on {prefix}/vehicle/{vehicleId}/manifest (and {prefix}/fleet/{fleetId}/manifest, merged with the vehicle\'s own)',
  );

export type ManifestScope = z.infer<typeof manifestScopeSchema>;
export type ManifestEntry = z.infer<typeof manifestEntrySchema>;
export type Manifest = z.infer<typeof manifestSchema>;

/** The retained topic of a manifest for its scope. */
export function manifestTopic(prefix: string, scope: ManifestScope): string {
  return 'vehicleId' in scope ? `${prefix}/vehicle/${scope.vehicleId}/manifest` : `${prefix}/fleet/${scope.fleetId}/manifest`;
}

/** The retained topic of a task for its scope. */
export function scopedTaskTopic(prefix: string, scope: ManifestScope, taskId: string): string {
  return 'vehicleId' in scope ? `${prefix}/vehicle/${scope.vehicleId}/tasks/${taskId}` : `${prefix}/fleet/${scope.fleetId}/tasks/${taskId}`;
}

/**
 * The next manifest: `previous` (or none) with `upserts` set to their revisions and `removals` taken out, the revision
 * one above the previous one, entries sorted by id (so the same set always gives the same bytes).
 */
export function nextManifest(
  previous: Manifest | null,
  scope: ManifestScope,
  change: { readonly upserts?: readonly ManifestEntry[]; readonly removals?: readonly string[] },
  issuedAtMs: number,
): Manifest {
  const entries = new Map<string, number>((previous?.tasks ?? []).map((t) => [t.id, t.revision]));
  for (const e of change.upserts ?? []) entries.set(e.id, e.revision);
  for (const id of change.removals ?? []) entries.delete(id);
  const tasks = [...entries].map(([id, revision]) => ({ id, revision })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (tasks.length > MAX_MANIFEST_TASKS) throw new Error(`a manifest lists at most ${MAX_MANIFEST_TASKS} tasks, this one would list ${tasks.length}`);
  return { scope, revision: (previous?.revision ?? 0) + 1, issuedAt: new Date(issuedAtMs).toISOString(), tasks };
}

/** Default bound of a manifest payload, bytes (config tasks.sync.maxManifestBytes; 10,000 tasks are about 450 KB). */
export const DEFAULT_MAX_MANIFEST_BYTES = 1024 * 1024;
/** A manifest is three levels deep (object → tasks → entry); deeper JSON is never one. */
const MAX_MANIFEST_DEPTH = 4;

/** A manifest as the vehicle keeps it: which scope it came for, and task id → revision to hold. */
export interface ReceivedManifest {
  readonly scope: 'vehicle' | 'fleet';
  readonly revision: number;
  readonly issuedAt: string;
  readonly tasks: ReadonlyMap<string, number>;
}

export interface ManifestLimits {
  readonly maxBytes: number;
  /** When non-empty, the manifest must be signed by one of these keys. */
  readonly publicKeys: readonly KeyObject[];
}

export type ManifestParseResult =
  | { readonly ok: true; readonly manifest: ReceivedManifest }
  | { readonly ok: false; readonly revision?: number; readonly errors: readonly { path: string; message: string }[] };

/** Parses a manifest that arrived on the topic of `expected` (this vehicle's, or its fleet's): bounded, signed, in scope. */
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
  const describe = (s: ManifestScope) => ('vehicleId' in s ? `vehicle "${s.vehicleId}"` : `fleet "${s.fleetId}"`);
  if (describe(m.scope) !== describe(expected)) {
    return fail('scope', `the manifest is for ${describe(m.scope)}, but arrived on the topic of ${describe(expected)}`, m.revision);
  }
  return {
    ok: true,
    manifest: {
      scope: 'vehicleId' in m.scope ? 'vehicle' : 'fleet',
      revision: m.revision,
      issuedAt: m.issuedAt,
      tasks: new Map(m.tasks.map((t) => [t.id, t.revision])),
    },
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
