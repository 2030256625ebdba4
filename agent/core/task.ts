// The inspection task message: its schema, and parsing of a raw MQTT payload into a task or readable errors.
import { z } from 'zod';

const lonLat = z
  .tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)], {
    error: 'a position is [longitude, latitude] in degrees (RFC 7946 order)',
  })
  .rest(z.number());

const ring = z
  .array(lonLat)
  .min(4, 'a linear ring needs at least 4 positions')
  .refine((r) => r[0]![0] === r[r.length - 1]![0] && r[0]![1] === r[r.length - 1]![1], {
    message: 'a linear ring must be closed: its last position must equal its first',
  });

const polygon = z.strictObject({
  type: z.literal('Polygon'),
  coordinates: z.array(ring).min(1, 'a polygon needs an outer ring'),
});

const multiPolygon = z.strictObject({
  type: z.literal('MultiPolygon'),
  coordinates: z.array(z.array(ring).min(1, 'a polygon needs an outer ring')).min(1),
});

const isoTime = z.iso.datetime({ offset: true, error: 'an ISO 8601 time with zone, e.g. 2026-12-01T06:00:00Z' });

export const taskSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/, 'letters, digits, ".", "-" and "_" only')
      .describe('Task id, unique for the city; also the last level of its topic'),
    revision: z.int().min(0).max(2 ** 31).describe('Increases with every change; an older revision never replaces a newer one'),
    purpose: z.string().min(1).max(500).describe('Why the city looks here, in words an inspector and a citizen understand'),
    area: z.discriminatedUnion('type', [polygon, multiPolygon]).describe('Where the camera may fire (GeoJSON, lon/lat)'),
    validFrom: isoTime.describe('Start of the time window'),
    validUntil: isoTime.describe('End of the time window'),
    lookFor: z.array(z.string().min(1)).min(1).max(20).describe('Object classes to look for; frames with none of them are dropped'),
    retentionDays: z.number().positive().max(3650).describe('How long evidence may be kept on the vehicle, at most'),
    priority: z.int().min(0).max(9).default(5).describe('Upload order: higher first'),
  })
  .refine((t) => Date.parse(t.validUntil) > Date.parse(t.validFrom), {
    message: 'validUntil must be after validFrom',
    path: ['validUntil'],
  })
  .describe('An inspection task pushed by the central system');

export type TaskMessage = z.infer<typeof taskSchema>;

export interface Task extends TaskMessage {
  readonly validFromMs: number;
  readonly validUntilMs: number;
}

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export type TaskParseResult =
  | { readonly ok: true; readonly task: Task }
  | { readonly ok: false; readonly taskId?: string; readonly revision?: number; readonly errors: readonly FieldError[] };

/** Parses a task payload; `knownLabels` are the classes the installed models can answer. */
export function parseTask(payload: Buffer | string, knownLabels: readonly string[]): TaskParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString());
  } catch (err) {
    return { ok: false, errors: [{ path: '', message: `not JSON: ${(err as Error).message}` }] };
  }
  const hint = identify(raw);
  const result = taskSchema.safeParse(raw);
  if (!result.success) {
    const errors = result.error.issues.map((issue) => ({
      path: issue.path.join('.'),
      message:
        issue.code === 'unrecognized_keys' ? `unknown key(s): ${issue.keys.join(', ')}` : issue.message,
    }));
    return { ok: false, ...hint, errors };
  }
  const known = new Set(knownLabels);
  const unknown = result.data.lookFor.filter((label) => !known.has(label));
  if (unknown.length > 0) {
    return {
      ok: false,
      ...hint,
      errors: [{ path: 'lookFor', message: `unknown class(es) ${unknown.join(', ')}; known: ${knownLabels.join(', ')}` }],
    };
  }
  const task: Task = {
    ...result.data,
    validFromMs: Date.parse(result.data.validFrom),
    validUntilMs: Date.parse(result.data.validUntil),
  };
  return { ok: true, task };
}

function identify(raw: unknown): { taskId?: string; revision?: number } {
  if (typeof raw !== 'object' || raw === null) return {};
  const { id, revision } = raw as Record<string, unknown>;
  return {
    ...(typeof id === 'string' ? { taskId: id } : {}),
    ...(typeof revision === 'number' ? { revision } : {}),
  };
}

export function isActive(task: Task, nowMs: number): boolean {
  return nowMs >= task.validFromMs && nowMs < task.validUntilMs;
}
