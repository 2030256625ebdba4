// Bounds on what the vehicle says back about a message: attacker text is quoted short, an ack stays a few KiB, so
// neither the acks topic nor the audit trail grows with what a sender puts in a message.
import type { FieldError } from './task.ts';

/** Longest piece of a message's own text quoted back. */
export const MAX_QUOTE_CHARS = 40;
/** An ack lists at most this many errors, so a payload with 10,000 bad positions still gets a small ack. */
export const MAX_ACK_ERRORS = 20;
const MAX_MESSAGE_CHARS = 300;
const MAX_PATH_CHARS = 100;
/** Largest ack, bytes of JSON. */
export const MAX_ACK_BYTES = 4096;
/** What a task id in an ack may be: the contract's form; anything else is quoted. */
const TASK_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** A message's own text as it may be quoted: at most MAX_QUOTE_CHARS, control characters shown as "?". */
export function quote(text: string, maxChars = MAX_QUOTE_CHARS): string {
  const chars = Array.from(text.slice(0, 2 * maxChars + 2)).slice(0, maxChars + 1);
  const shown = chars.length > maxChars ? [...chars.slice(0, maxChars - 1), '…'] : chars;
  // eslint-disable-next-line no-control-regex
  return shown.join('').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** The task id as an ack may carry it: whole when well-formed, else quoted. */
export function ackTaskId(id: string): string {
  return TASK_ID.test(id) ? id : quote(id);
}

export interface BoundedAck {
  readonly taskId: string;
  readonly revision: number | null;
  readonly status: 'accepted' | 'rejected' | 'withdrawn' | 'expired';
  readonly errors: readonly FieldError[];
}

/** The ack within its bounds: id as ackTaskId, at most MAX_ACK_ERRORS errors of bounded length, MAX_ACK_BYTES in all. */
export function boundAck<T extends BoundedAck>(ack: T): T {
  const errors = ack.errors.slice(0, MAX_ACK_ERRORS).map((e) => ({
    path: e.path.length > MAX_PATH_CHARS ? `${e.path.slice(0, MAX_PATH_CHARS - 1)}…` : e.path,
    message: e.message.length > MAX_MESSAGE_CHARS ? `${e.message.slice(0, MAX_MESSAGE_CHARS - 1)}…` : e.message,
  }));
  let more = ack.errors.length - errors.length;
  const bounded = { ...ack, taskId: ackTaskId(ack.taskId), errors };
  const withCount = () => (more > 0 ? [...bounded.errors, { path: '', message: `and ${more} more error(s)` }] : bounded.errors);
  while (Buffer.byteLength(JSON.stringify({ ...bounded, errors: withCount() })) > MAX_ACK_BYTES && bounded.errors.length > 0) {
    bounded.errors = bounded.errors.slice(0, -1);
    more += 1;
  }
  return { ...bounded, errors: withCount() };
}
