// `central withdraw`: a signed withdrawal ({"id","revision","withdrawn":true,"scope","signature"}) retained on each
// task's topic, with a revision above every one seen; the task leaves the manifest; the vehicles' acks are awaited.
import type { ManifestScope } from '../../agent/core/tasks/manifest.ts';
import { scopedTaskTopic } from '../../agent/core/tasks/manifest.ts';
import { AckCollector, type AckResult } from './acks.ts';
import { ackLines, totalsLine, totalsOf } from './ackReport.ts';
import { audienceOf } from './audience.ts';
import { connectCentral, type BrokerOptions } from './connection.ts';
import { publishManifest, readManifest } from './manifestStore.ts';
import { readRetained } from './retained.ts';
import { describeScope } from './scope.ts';
import { loadSigningKey, signedPayload } from './signing.ts';

export interface WithdrawOptions {
  readonly broker: BrokerOptions;
  readonly keyFile: string;
  readonly scope: ManifestScope;
  readonly taskIds: readonly string[];
  /** The withdrawal's revision (one task only); default: one above the highest seen on its topic and in the manifest. */
  readonly revision?: number;
  readonly waitMs: number;
  readonly expect?: readonly string[];
  readonly resetManifest?: boolean;
  readonly json?: boolean;
  readonly write?: (text: string) => void;
}

export interface WithdrawOutcome {
  /** 0: every vehicle asked confirmed; 1: a refusal or no answer; 2: nothing sent. */
  readonly code: number;
  readonly withdrawn: { readonly id: string; readonly revision: number }[];
  readonly results: AckResult[];
}

const TASK_ID = /^[A-Za-z0-9._-]{1,128}$/;
const RETAINED_READ_MS = 10_000;

export async function centralWithdraw(o: WithdrawOptions): Promise<WithdrawOutcome> {
  const write = o.write ?? ((text: string) => process.stdout.write(text));
  const fail = (message: string): WithdrawOutcome => {
    write(`${message}\nnothing withdrawn\n`);
    return { code: 2, withdrawn: [], results: [] };
  };
  const bad = o.taskIds.filter((id) => !TASK_ID.test(id));
  if (o.taskIds.length === 0) return fail('name the task(s) to withdraw');
  if (bad.length > 0) return fail(`not a task id: ${bad.map((id) => JSON.stringify(id.slice(0, 40))).join(', ')}`);
  if (o.revision !== undefined && (o.taskIds.length !== 1 || !Number.isSafeInteger(o.revision) || o.revision < 0 || o.revision > 2 ** 31)) {
    return fail('--revision takes a whole number up to 2^31 and goes with exactly one task id');
  }
  const key = loadSigningKey(o.keyFile);
  const prefix = o.broker.prefix;
  const client = await connectCentral(o.broker);
  try {
    const manifest = await readManifest(client, prefix, o.scope, key, { timeoutMs: RETAINED_READ_MS, reset: o.resetManifest === true });
    const topics = o.taskIds.map((id) => scopedTaskTopic(prefix, o.scope, id));
    const retained = await readRetained(client, prefix, topics, RETAINED_READ_MS);
    if (!retained.complete) return fail(`the broker did not hand over the retained task topics within ${RETAINED_READ_MS} ms; the revisions seen are unknown`);
    const plan: { id: string; revision: number }[] = [];
    for (const [i, id] of o.taskIds.entries()) {
      const seen = [revisionOf(retained.messages.get(topics[i]!)), manifest?.tasks.find((t) => t.id === id)?.revision ?? null].filter(
        (r): r is number => r !== null,
      );
      const highest = seen.length > 0 ? Math.max(...seen) : null;
      if (o.revision !== undefined) {
        if (highest !== null && o.revision <= highest) return fail(`${id}: --revision ${o.revision} must be above ${highest}, the highest seen`);
        plan.push({ id, revision: o.revision });
      } else if (highest === null) {
        return fail(`${id}: no revision of it is retained for ${describeScope(o.scope)} nor in its manifest; give --revision N above every one the vehicles saw`);
      } else plan.push({ id, revision: highest + 1 });
    }
    const audience = await audienceOf(client, prefix, o.scope, o.expect, RETAINED_READ_MS);
    const collector = new AckCollector(client, prefix);
    await collector.listen(audience.vehicleIds);
    collector.expect(audience.vehicleIds.flatMap((vehicleId) => plan.map((p) => ({ vehicleId, taskId: p.id, revision: p.revision, kind: 'withdrawal' as const }))));
    await Promise.all(
      plan.map((p) =>
        client.publishAsync(scopedTaskTopic(prefix, o.scope, p.id), signedPayload({ id: p.id, revision: p.revision, withdrawn: true, scope: o.scope }, key), {
          qos: 1,
          retain: true,
        }),
      ),
    );
    const next = await publishManifest(client, prefix, o.scope, manifest, { removals: plan.map((p) => p.id) }, key, Date.now());
    if (!o.json) {
      write(`withdrew ${plan.map((p) => `${p.id} (revision ${p.revision})`).join(', ')} from ${describeScope(o.scope)}; manifest revision ${next.revision} lists ${next.tasks.length}\n`);
      write(`waiting up to ${Math.round(o.waitMs / 1000)} s for the acks: ${audience.note}\n`);
    }
    const results = await collector.wait(o.waitMs);
    const totals = totalsOf(results);
    if (o.json) write(`${JSON.stringify({ withdrawn: plan, manifestRevision: next.revision, vehicles: audience.vehicleIds, totals, acks: results }, null, 2)}\n`);
    else {
      if (results.length > 0) write(`${ackLines(results, audience.offline).join('\n')}\n`);
      write(`${totalsLine(totals)}\n`);
    }
    return { code: totals.rejected + totals.unanswered > 0 ? 1 : 0, withdrawn: plan, results };
  } finally {
    await client.endAsync();
  }
}

/** The revision a retained task or withdrawal carries, when it has a well-formed one. */
function revisionOf(payload: Buffer | undefined): number | null {
  if (payload === undefined) return null;
  try {
    const r = (JSON.parse(payload.toString('utf8')) as { revision?: unknown }).revision;
    return Number.isSafeInteger(r) && (r as number) >= 0 ? (r as number) : null;
  } catch {
    return null;
  }
}
