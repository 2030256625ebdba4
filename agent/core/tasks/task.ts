// The inspection task message: its schema, and parsing of a raw MQTT payload into a task or readable errors.
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { areaKm2, countVertices, findRingProblems, MAX_AREA_VERTICES, type PolygonRings } from '../geo/areaChecks.ts';
import { inSchedule, scheduleSchema } from './schedule.ts';
import { checkSignature } from './taskSignature.ts';

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

function polygonsOf(area: z.infer<typeof polygon> | z.infer<typeof multiPolygon>): PolygonRings[] {
  return area.type === 'Polygon' ? [area.coordinates] : area.coordinates;
}

const area = z
  .discriminatedUnion('type', [polygon, multiPolygon])
  .superRefine((value, ctx) => {
    const polygons = polygonsOf(value);
    const vertices = countVertices(polygons);
    if (vertices > MAX_AREA_VERTICES) {
      ctx.addIssue({ code: 'custom', message: `the area has ${vertices} positions; at most ${MAX_AREA_VERTICES} are allowed` });
      return;
    }
    for (const problem of findRingProblems(polygons)) {
      const path = value.type === 'Polygon' ? ['coordinates', problem.path[1]!] : ['coordinates', ...problem.path];
      ctx.addIssue({ code: 'custom', message: problem.message, path });
    }
  });

const capture = z
  .strictObject({
    everyM: z
      .number()
      .min(1)
      .max(10_000)
      .optional()
      .describe("At most one frame every this many metres of travel; absent: the vehicle's trigger.everyM (10 m)"),
    maxFrames: z
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe('At most this many frames per pass through the area (entering to leaving); absent: no limit (for a target: trigger.targetFrames)'),
    maxSpeedKmh: z
      .number()
      .positive()
      .max(300)
      .optional()
      .describe('No frames while the vehicle is faster than this (motion blur); absent: no limit'),
  })
  .describe('How often the camera may fire for this task');

const target = z
  .strictObject({
    point: z
      .tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)])
      .describe('The object of interest, [longitude, latitude] in degrees'),
    radiusM: z
      .number()
      .positive()
      .max(1_000)
      .describe("Frames are taken only within this distance of the point, and only while it is in the camera's field of view, metres"),
  })
  .describe('A single object at a known place ("the container at this address"); absent: the whole area');

const isoTime = z.iso.datetime({ offset: true, error: 'an ISO 8601 time with zone, e.g. 2026-12-01T06:00:00Z' });

export const taskSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/, 'letters, digits, ".", "-" and "_" only')
      .describe('Task id, unique for the city; also the last level of its topic'),
    revision: z.int().min(0).max(2 ** 31).describe('Increases with every change; an older revision never replaces a newer one'),
    purpose: z.string().min(1).max(500).describe('Why the city looks here, in words an inspector and a citizen understand'),
    area: area.describe('Where the camera may fire (GeoJSON Polygon or MultiPolygon, lon/lat)'),
    validFrom: isoTime.describe('Start of the time window'),
    validUntil: isoTime.describe('End of the time window'),
    lookFor: z.array(z.string().min(1)).min(1).max(20).describe('Object classes to look for; frames with none of them are dropped'),
    retentionDays: z.number().positive().max(3650).describe('How long evidence may be kept on the vehicle, at most'),
    priority: z.int().min(0).max(9).default(5).describe('Upload order: higher first'),
    capture: capture.optional(),
    schedule: scheduleSchema.optional(),
    keep: z
      .enum(['match', 'all', 'none'])
      .default('match')
      .describe('match: keep frames where a lookFor class is seen; all: every frame in the area; none: only report the outcome'),
    minConfidence: z
      .number()
      .min(0.05)
      .max(1)
      .default(0.4)
      .describe('Lowest detector score that counts as seeing a lookFor class'),
    target: target.optional(),
    legalBasis: z
      .string()
      .min(1)
      .max(500)
      .optional()
      .describe('The legal basis of the inspection (act, section, permit), carried into evidence metadata and the audit trail'),
    signature: z
      .string()
      .optional()
      .describe('Ed25519 signature (base64) over the canonical JSON of the task without this key; required when the vehicle has tasks.publicKeys'),
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

export interface TaskLimits {
  /** Largest payload taken, bytes. */
  readonly maxBytes: number;
  /** Largest area one task may cover, km². */
  readonly maxAreaKm2: number;
  /** When non-empty, every task must be signed by one of these Ed25519 keys. */
  readonly publicKeys: readonly KeyObject[];
}

export const DEFAULT_TASK_LIMITS: TaskLimits = { maxBytes: 256 * 1024, maxAreaKm2: 5, publicKeys: [] };

/** Deeper JSON is never a task (the deepest part, a MultiPolygon position, is 6 levels down). */
export const MAX_JSON_DEPTH = 16;
/** An ack lists at most this many errors, so a payload with 10,000 bad positions still gets a small ack. */
export const MAX_ACK_ERRORS = 20;

/** Parses a task payload; `knownLabels` are the classes the installed models can answer. */
export function parseTask(
  payload: Buffer | string,
  knownLabels: readonly string[],
  limits: TaskLimits = DEFAULT_TASK_LIMITS,
): TaskParseResult {
  const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (bytes > limits.maxBytes) {
    return { ok: false, errors: [{ path: '', message: `the payload has ${bytes} bytes; at most ${limits.maxBytes} are taken` }] };
  }
  const text = payload.toString();
  const depth = jsonDepth(text, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) {
    return { ok: false, errors: [{ path: '', message: `nested deeper than ${MAX_JSON_DEPTH} levels; no task is` }] };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: [{ path: '', message: `not JSON: ${(err as Error).message}` }] };
  }
  const hint = identify(raw);
  if (limits.publicKeys.length > 0 && typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const problem = checkSignature(raw as Record<string, unknown>, limits.publicKeys);
    if (problem !== null) return { ok: false, ...hint, errors: [{ path: 'signature', message: problem }] };
  }
  const result = taskSchema.safeParse(raw);
  if (!result.success) {
    const errors = result.error.issues.map((issue) => ({
      path: issue.path.join('.'),
      message:
        issue.code === 'unrecognized_keys' ? `unknown key(s): ${issue.keys.join(', ')}` : issue.message,
    }));
    return { ok: false, ...hint, errors: capErrors(errors) };
  }
  const km2 = areaKm2(polygonsOf(result.data.area));
  if (km2 > limits.maxAreaKm2) {
    return {
      ok: false,
      ...hint,
      errors: [{ path: 'area', message: `the area covers ${km2.toFixed(2)} km²; at most ${limits.maxAreaKm2} km² per task` }],
    };
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

/** Id and revision of a rejected payload, for its ack — only when they are well-formed, so junk is not echoed. */
function identify(raw: unknown): { taskId?: string; revision?: number } {
  if (typeof raw !== 'object' || raw === null) return {};
  const { id, revision } = raw as Record<string, unknown>;
  return {
    ...(typeof id === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(id) ? { taskId: id } : {}),
    ...(Number.isSafeInteger(revision) ? { revision: revision as number } : {}),
  };
}

function capErrors(errors: FieldError[]): FieldError[] {
  if (errors.length <= MAX_ACK_ERRORS) return errors;
  return [...errors.slice(0, MAX_ACK_ERRORS), { path: '', message: `and ${errors.length - MAX_ACK_ERRORS} more error(s)` }];
}

/** Deepest nesting of arrays and objects in JSON text, counted without parsing; stops counting past `limit`. */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      deepest = Math.max(deepest, ++depth);
      if (depth > limit) return depth;
    } else if (c === 93 || c === 125) depth--;
  }
  return deepest;
}

/** True inside the task's time window and, when it has a schedule, inside one of its weekly windows. */
export function isActive(task: Task, nowMs: number): boolean {
  if (nowMs < task.validFromMs || nowMs >= task.validUntilMs) return false;
  return task.schedule === undefined || inSchedule(task.schedule, nowMs);
}
