// The task manifest: which task ids and revisions a vehicle (or a whole fleet) should hold, signed like a task.
import { z } from 'zod';

/** Ids of tasks, vehicles and fleets: the characters MQTT topic levels and file names take safely. */
const idPattern = /^[A-Za-z0-9._-]{1,128}$/;
const idText = z.string().regex(idPattern, 'letters, digits, ".", "-" and "_" only, at most 128');

/** Most task entries one manifest lists (a vehicle applies its own, lower limit of tasks held). */
export const MAX_MANIFEST_TASKS = 100_000;

export const manifestScopeSchema = z
  .union([
    z.strictObject({ vehicleId: idText.describe('The one vehicle this manifest is for') }),
    z.strictObject({ fleetId: idText.describe('The fleet this manifest is for; every vehicle of it merges it with its own') }),
  ])
  .describe('Who the manifest is for; must match the topic it arrives on; covered by the signature');

export const manifestEntrySchema = z.strictObject({
  id: idText.describe('Task id, the last level of its task topic'),
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
