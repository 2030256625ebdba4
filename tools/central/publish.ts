// `central publish`: adds the audience's scope to each task, signs it, publishes it retained on its task topic,
// updates the signed manifest of the audience, and waits (bounded) for every vehicle's ack.
import type { ManifestScope } from '../../agent/core/tasks/manifest.ts';
import { scopedTaskTopic } from '../../agent/core/tasks/manifest.ts';
import { AckCollector, type AckResult } from './acks.ts';
import { ackLines, totalsLine, totalsOf } from './ackReport.ts';
import { audienceOf } from './audience.ts';
import { connectCentral, type BrokerOptions } from './connection.ts';
import { publishManifest, readManifest } from './manifestStore.ts';
import { describeScope } from './scope.ts';
import { loadSigningKey, signedPayload } from './signing.ts';
import { readTaskFiles, taskProblems } from './taskFiles.ts';

export interface PublishOptions {
  readonly broker: BrokerOptions;
  readonly keyFile: string;
  readonly scope: ManifestScope;
  readonly files: readonly string[];
  /** How long to wait for the acks, all together. */
  readonly waitMs: number;
  /** Vehicles to wait for (a fleet's online vehicles by default). */
  readonly expect?: readonly string[];
  /** Start a new manifest instead of building on the retained one. */
  readonly resetManifest?: boolean;
  readonly json?: boolean;
  readonly write?: (text: string) => void;
}

export interface PublishOutcome {
  /** 0: every answer is accepted; 1: something was rejected, expired or not answered; 2: nothing sent (bad input). */
  readonly code: number;
  readonly published: number;
  readonly manifestRevision: number | null;
  readonly results: AckResult[];
}

/** Tasks published at the same time (QoS 1: the client waits for each PUBACK, the broker takes them in order). */
const IN_FLIGHT = 200;
const RETAINED_READ_MS = 10_000;

export async function centralPublish(o: PublishOptions): Promise<PublishOutcome> {
  const write = o.write ?? ((text: string) => process.stdout.write(text));
  const { tasks, problems } = await readTaskFiles(o.files);
  problems.push(...tasks.flatMap(taskProblems));
  for (const t of tasks) {
    const scope = t.task['scope'];
    if (scope !== undefined && JSON.stringify(scope) !== JSON.stringify(o.scope)) {
      problems.push({ source: t.source, message: `scope ${JSON.stringify(scope)} in the file differs from the audience ${describeScope(o.scope)}` });
    }
  }
  if (tasks.length === 0 && problems.length === 0) problems.push({ source: '(arguments)', message: 'no task given' });
  if (problems.length > 0) {
    for (const p of problems.slice(0, 50)) write(`${p.source}: ${p.message}\n`);
    if (problems.length > 50) write(`… and ${problems.length - 50} more\n`);
    write('nothing published\n');
    return { code: 2, published: 0, manifestRevision: null, results: [] };
  }
  const key = loadSigningKey(o.keyFile);
  const prefix = o.broker.prefix;
  const client = await connectCentral(o.broker);
  try {
    const previous = await readManifest(client, prefix, o.scope, key, { timeoutMs: RETAINED_READ_MS, reset: o.resetManifest === true });
    // A revision below the one the manifest already assigns would be refused by every vehicle as stale.
    const held = new Map((previous?.tasks ?? []).map((t) => [t.id, t.revision]));
    const stale = tasks.filter((t) => (held.get(t.task['id'] as string) ?? -1) > (t.task['revision'] as number));
    if (stale.length > 0) {
      for (const t of stale) write(`${t.source}: revision ${String(t.task['revision'])} is below revision ${held.get(t.task['id'] as string)} in the manifest\n`);
      write('nothing published\n');
      return { code: 2, published: 0, manifestRevision: null, results: [] };
    }
    const audience = await audienceOf(client, prefix, o.scope, o.expect, RETAINED_READ_MS);
    const collector = new AckCollector(client, prefix);
    await collector.listen(audience.vehicleIds);
    collector.expect(
      audience.vehicleIds.flatMap((vehicleId) =>
        tasks.map((t) => ({ vehicleId, taskId: t.task['id'] as string, revision: t.task['revision'] as number, kind: 'task' as const })),
      ),
    );
    for (let i = 0; i < tasks.length; i += IN_FLIGHT) {
      await Promise.all(
        tasks.slice(i, i + IN_FLIGHT).map(({ task }) => {
          const payload = signedPayload({ ...task, scope: o.scope }, key);
          return client.publishAsync(scopedTaskTopic(prefix, o.scope, task['id'] as string), payload, { qos: 1, retain: true });
        }),
      );
    }
    const manifest = await publishManifest(
      client,
      prefix,
      o.scope,
      previous,
      { upserts: tasks.map((t) => ({ id: t.task['id'] as string, revision: t.task['revision'] as number })) },
      key,
      Date.now(),
    );
    if (!o.json) {
      write(`published ${tasks.length} task(s) to ${describeScope(o.scope)}; manifest revision ${manifest.revision} lists ${manifest.tasks.length}\n`);
      write(`waiting up to ${Math.round(o.waitMs / 1000)} s for the acks: ${audience.note}\n`);
    }
    const results = await collector.wait(o.waitMs);
    const totals = totalsOf(results);
    if (o.json) write(`${JSON.stringify({ published: tasks.length, manifestRevision: manifest.revision, manifestTasks: manifest.tasks.length, vehicles: audience.vehicleIds, totals, acks: results }, null, 2)}\n`);
    else {
      if (results.length > 0) write(`${ackLines(results, audience.offline).join('\n')}\n`);
      write(`${totalsLine(totals)}\n`);
    }
    const code = totals.rejected + totals.expired + totals.unanswered > 0 ? 1 : 0;
    return { code, published: tasks.length, manifestRevision: manifest.revision, results };
  } finally {
    await client.endAsync();
  }
}
