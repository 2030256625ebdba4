// The inspection task message: its schema, and parsing of a raw MQTT payload into a task or readable errors.
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { MAX_ACK_ERRORS, quote } from './ackText.ts';
import { inSchedule, scheduleSchema } from './schedule.ts';
import { scopeSchema } from './scope.ts';
import { areaErrors, areaSchema } from './taskArea.ts';
import { checkSignature } from './taskSignature.ts';

/** The form of a task id (also the last level of its topic). */
export const TASK_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
/** Longest class name in lookFor. */
export const MAX_LABEL_CHARS = 64;

export const taskIdSchema = z.string().regex(TASK_ID_PATTERN, 'letters, digits, ".", "-" and "_" only, at most 128');
export const revisionSchema = z.int().min(0).max(2 ** 31);
export const signatureSchema = z
  .string()
  .regex(/^[A-Za-z0-9+/]{86}==$/, 'the 64-byte Ed25519 signature in base64')
  .describe('Ed25519 signature (base64) over the canonical JSON of the message without this key; required when the vehicle has tasks.publicKeys');

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
    id: taskIdSchema.describe('Task id, unique for the city; also the last level of its topic'),
    revision: revisionSchema.describe('Increases with every change (and with its withdrawal); an older revision never replaces a newer one'),
    purpose: z.string().min(1).max(500).describe('Why the city looks here, in words an inspector and a citizen understand'),
    area: areaSchema.describe('Where the camera may fire (GeoJSON Polygon or MultiPolygon, lon/lat)'),
    validFrom: isoTime.describe('Start of the time window'),
    validUntil: isoTime.describe('End of the time window'),
    lookFor: z.array(z.string().min(1).max(MAX_LABEL_CHARS)).min(1).max(20).describe('Object classes to look for; frames with none of them are dropped'),
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
    scope: scopeSchema.optional(),
    signature: signatureSchema.optional(),
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

/** A signed end of a task: on the task's topic, with a revision above every one seen. */
export const withdrawalSchema = z
  .strictObject({
    id: taskIdSchema.describe('Task id'),
    revision: revisionSchema.describe('Above every revision of the task the vehicle has seen'),
    withdrawn: z.literal(true).describe('Marks the message as a withdrawal'),
    scope: scopeSchema.optional(),
    signature: signatureSchema.optional(),
  })
  .describe('Withdrawal of a task, on its topic; signed like a task wherever tasks are');

export type Withdrawal = z.infer<typeof withdrawalSchema>;

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

type Rejected = { readonly ok: false; readonly taskId?: string; readonly revision?: number; readonly errors: readonly FieldError[] };

export type TaskParseResult = { readonly ok: true; readonly task: Task } | Rejected;

export type TaskMessageResult =
  | { readonly ok: true; readonly kind: 'task'; readonly task: Task }
  | { readonly ok: true; readonly kind: 'withdrawal'; readonly withdrawal: Withdrawal }
  | Rejected;

export interface TaskLimits {
  /** Largest payload taken, bytes. */
  readonly maxBytes: number;
  /** Largest area one task may cover, km². */
  readonly maxAreaKm2: number;
  /** When non-empty, every task and withdrawal must be signed by one of these Ed25519 keys. */
  readonly publicKeys: readonly KeyObject[];
}

export const DEFAULT_TASK_LIMITS: TaskLimits = { maxBytes: 256 * 1024, maxAreaKm2: 5, publicKeys: [] };

export interface ParseOptions {
  /**
   * The area passed the geometry checks before under the same limits (a stored task): skip them. Everything else —
   * signature, schema, classes — is checked again.
   */
  readonly areaChecked?: boolean;
}

/** Deeper JSON is never a task (the deepest part, a MultiPolygon position, is 6 levels down). */
export const MAX_JSON_DEPTH = 16;

/** Parses a task payload; `knownLabels` are the classes the installed models can answer. */
export function parseTask(
  payload: Buffer | string,
  knownLabels: readonly string[],
  limits: TaskLimits = DEFAULT_TASK_LIMITS,
  options: ParseOptions = {},
): TaskParseResult {
  const result = parseTaskMessage(payload, knownLabels, limits, options);
  if (!result.ok) return result;
  if (result.kind === 'task') return { ok: true, task: result.task };
  return { ok: false, taskId: result.withdrawal.id, revision: result.withdrawal.revision, errors: [{ path: 'withdrawn', message: 'a withdrawal, not a task' }] };
}

/** Parses what arrives on a task topic: a task or a withdrawal (`"withdrawn": true`). */
export function parseTaskMessage(
  payload: Buffer | string,
  knownLabels: readonly string[],
  limits: TaskLimits = DEFAULT_TASK_LIMITS,
  options: ParseOptions = {},
): TaskMessageResult {
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
    return { ok: false, errors: [{ path: '', message: `not JSON: ${quote((err as Error).message, 80)}` }] };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, errors: [{ path: '', message: `expected object, received ${raw === null ? 'null' : Array.isArray(raw) ? 'array' : typeof raw}` }] };
  }
  const hint = identify(raw);
  if (limits.publicKeys.length > 0) {
    const problem = checkSignature(raw as Record<string, unknown>, limits.publicKeys);
    if (problem !== null) return { ok: false, ...hint, errors: [{ path: 'signature', message: problem }] };
  }
  if ('withdrawn' in raw) {
    const result = withdrawalSchema.safeParse(raw);
    if (!result.success) return { ok: false, ...hint, errors: issuesToErrors(result.error.issues) };
    return { ok: true, kind: 'withdrawal', withdrawal: result.data };
  }
  const result = taskSchema.safeParse(raw);
  if (!result.success) return { ok: false, ...hint, errors: issuesToErrors(result.error.issues) };
  if (options.areaChecked !== true) {
    const errors = areaErrors(result.data.area, limits.maxAreaKm2);
    if (errors.length > 0) return { ok: false, ...hint, errors };
  }
  const known = new Set(knownLabels);
  const unknown = result.data.lookFor.filter((label) => !known.has(label));
  if (unknown.length > 0) {
    const shown = knownLabels.length <= 12 ? knownLabels.join(', ') : `${knownLabels.slice(0, 12).join(', ')} and ${knownLabels.length - 12} more`;
    return {
      ok: false,
      ...hint,
      errors: [{ path: 'lookFor', message: `unknown class(es) ${unknown.slice(0, 3).map((l) => quote(l)).join(', ')}; known: ${shown}` }],
    };
  }
  const task: Task = {
    ...result.data,
    validFromMs: Date.parse(result.data.validFrom),
    validUntilMs: Date.parse(result.data.validUntil),
  };
  return { ok: true, kind: 'task', task };
}

/** Zod's issues as field errors, at most MAX_ACK_ERRORS and a count of the rest; keys of the sender's are quoted. */
function issuesToErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  const errors = issues.slice(0, MAX_ACK_ERRORS).map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'string' ? quote(p) : String(p))).join('.'),
    message:
      issue.code === 'unrecognized_keys'
        ? `unknown key(s): ${issue.keys.slice(0, 5).map((k) => quote(k, 24)).join(', ')}${issue.keys.length > 5 ? ` and ${issue.keys.length - 5} more` : ''}`
        : issue.message,
  }));
  if (issues.length > MAX_ACK_ERRORS) errors.push({ path: '', message: `and ${issues.length - MAX_ACK_ERRORS} more error(s)` });
  return errors;
}

/** Id and revision of a rejected payload, for its ack — only when they are well-formed, so junk is not echoed. */
function identify(raw: object): { taskId?: string; revision?: number } {
  const { id, revision } = raw as Record<string, unknown>;
  return {
    ...(typeof id === 'string' && TASK_ID_PATTERN.test(id) ? { taskId: id } : {}),
    ...(Number.isSafeInteger(revision) ? { revision: revision as number } : {}),
  };
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
