// Which revision of a task may change what the vehicle holds: the highest revision seen per task id only ever rises,
// and an older revision — expired or not — never touches a newer one.
import type { FieldError } from './task.ts';

export interface RevisionState {
  /** Highest revision seen of this task id, and whether it was withdrawn or ran out. */
  readonly seen: { readonly revision: number; readonly ended: boolean } | undefined;
  /** Revision held now, if any. */
  readonly held: number | undefined;
}

export type TaskVerdict =
  | { readonly kind: 'accept' }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'expire' }
  | { readonly kind: 'reject'; readonly error: FieldError };

/** What a task message of `revision`, valid until `validUntilMs`, does at `nowMs`. */
export function judgeTask(revision: number, validUntilMs: number, state: RevisionState, nowMs: number): TaskVerdict {
  const { seen, held } = state;
  if (seen !== undefined && revision < seen.revision) {
    return { kind: 'reject', error: { path: 'revision', message: `revision ${revision} is older than revision ${seen.revision} already seen` } };
  }
  if (nowMs >= validUntilMs) return { kind: 'expire' };
  if (seen !== undefined && revision === seen.revision) {
    if (held === revision) return { kind: 'unchanged' };
    if (seen.ended) {
      return {
        kind: 'reject',
        error: { path: 'revision', message: `revision ${revision} was withdrawn or ran out; only a higher revision can bring the task back` },
      };
    }
  }
  return { kind: 'accept' };
}

/** Whether a withdrawal of `revision` is taken: only above every revision seen. */
export function judgeWithdrawal(
  revision: number,
  state: RevisionState,
): { readonly kind: 'withdraw' | 'repeat' } | { readonly kind: 'reject'; readonly error: FieldError } {
  // The same withdrawal again (its retained copy after a restart): nothing changes.
  if (state.seen !== undefined && revision === state.seen.revision && state.seen.ended && state.held === undefined) return { kind: 'repeat' };
  if (state.seen !== undefined && revision <= state.seen.revision) {
    return {
      kind: 'reject',
      error: { path: 'revision', message: `a withdrawal needs a revision above ${state.seen.revision}, the highest seen; it has ${revision}` },
    };
  }
  return { kind: 'withdraw' };
}
