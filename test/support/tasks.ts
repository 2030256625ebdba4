// Tasks for tests: the permit area of fixtures/tasks/permit-4711.json, active from a minute ago for an hour, and the
// task signing key of the tests (made per test run), so tests run on signed tasks as vehicles do.
import { generateKeyPairSync } from 'node:crypto';
import { DEFAULT_TASK_LIMITS, parseTask, type Task, type TaskLimits } from '../../agent/core/tasks/task.ts';
import { publicKeyBase64, publicKeyFrom, signTask } from '../../agent/core/tasks/taskSignature.ts';

export const PERMIT_AREA = {
  type: 'Polygon' as const,
  coordinates: [[[12.553, 55.689], [12.556, 55.689], [12.556, 55.6905], [12.553, 55.6905], [12.553, 55.689]]],
};

const pair = generateKeyPairSync('ed25519');
/** The private half (PEM) of the tests' task signing key. */
export const TEST_SIGNING_KEY = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
/** Its public half as tasks.publicKeys takes it. */
export const TEST_PUBLIC_KEY = publicKeyBase64(pair.publicKey);
/** Task limits of a vehicle that trusts only the tests' key. */
export const SIGNED_LIMITS: TaskLimits = { ...DEFAULT_TASK_LIMITS, publicKeys: [publicKeyFrom(TEST_PUBLIC_KEY)] };

export type Scope = { fleetId: string } | { vehicleId: string };

/** The message with `scope` set and signed with the tests' key (or `key`), as the central system sends it. */
export function signed(message: Record<string, unknown>, scope: Scope, key = TEST_SIGNING_KEY): Record<string, unknown> {
  return signTask({ ...message, scope }, key);
}

/** A signed withdrawal of `id` at `revision`. */
export function signedWithdrawal(id: string, revision: number, scope: Scope, key = TEST_SIGNING_KEY): Record<string, unknown> {
  return signTask({ id, revision, withdrawn: true, scope }, key);
}

/** A parsed, valid task over the permit area, active now; `changes` override any field of the message. */
export function activePermitTask(changes: Record<string, unknown> = {}, knownLabels: readonly string[] = ['car', 'giraffe']): Task {
  const nowMs = Date.now();
  const parsed = parseTask(
    JSON.stringify({
      id: 'permit-4711',
      revision: 1,
      purpose: 'test',
      area: PERMIT_AREA,
      validFrom: new Date(nowMs - 60_000).toISOString(),
      validUntil: new Date(nowMs + 3_600_000).toISOString(),
      lookFor: ['car'],
      retentionDays: 1,
      ...changes,
    }),
    knownLabels,
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.task;
}
