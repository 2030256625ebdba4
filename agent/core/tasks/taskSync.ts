// What the vehicle should hold by its manifests against what it holds: the figures of the status's taskSync, and
// which tasks to fetch next. Pure: the held revisions come in through a function, nothing here does I/O.
import type { ReceivedManifest } from './manifest.ts';

export type ManifestScopeName = ReceivedManifest['scope'];

export interface ExpectedTask {
  readonly id: string;
  readonly revision: number;
  /** Whose manifest lists it, and so on which task topic it lives. */
  readonly scope: ManifestScopeName;
}

/** The status's `taskSync`: exactly these three names are the contract with the central side. */
export interface TaskSyncFigures {
  /** Tasks of the manifests held at the listed revision or a newer one. */
  readonly held: number;
  /** Tasks the manifests list. */
  readonly expected: number;
  /** Tasks listed that the vehicle has not received yet (being fetched, or not on the broker). */
  readonly missing: number;
}

export interface TaskSyncDetail extends TaskSyncFigures {
  /** Of the missing: fetched, but the broker had no retained message for them. */
  readonly notOnBroker: number;
  /** Listed, received at that revision and refused (rejected: see the acks); neither held nor missing. */
  readonly refused: number;
  /** Listed, received at that revision and already past validUntil; neither held nor missing. */
  readonly expired: number;
}

export type ManifestOutcome = 'accepted' | 'unchanged' | 'stale';

type Answer = { readonly revision: number; readonly status: 'rejected' | 'expired' };

export class TaskSyncState {
  private readonly manifests = new Map<ManifestScopeName, ReceivedManifest>();
  private merged: Map<string, ExpectedTask> | null = null;
  /** Tasks received and not taken, with the revision they came with (an unreadable one: the revision then wanted). */
  private readonly answered = new Map<string, Answer>();
  /** Tasks fetched whose topic held nothing, with the revision that was wanted. */
  private readonly absent = new Map<string, number>();

  /** `heldRevision` tells the revision of a task held now, if any. */
  constructor(private readonly heldRevision: (taskId: string) => number | undefined) {}

  get hasManifest(): boolean {
    return this.manifests.size > 0;
  }

  manifest(scope: ManifestScopeName): ReceivedManifest | undefined {
    return this.manifests.get(scope);
  }

  /** Applies a manifest's revision rule: an older revision never replaces a newer one; an equal one is a duplicate. */
  offer(manifest: ReceivedManifest): ManifestOutcome {
    const current = this.manifests.get(manifest.scope);
    if (current !== undefined && manifest.revision < current.revision) return 'stale';
    if (current !== undefined && manifest.revision === current.revision) return 'unchanged';
    this.manifests.set(manifest.scope, manifest);
    this.merged = null;
    return 'accepted';
  }

  /** Every task the manifests list; where both list one, the higher revision is wanted. */
  expected(): ReadonlyMap<string, ExpectedTask> {
    if (this.merged !== null) return this.merged;
    const merged = new Map<string, ExpectedTask>();
    // The vehicle's own manifest last: on a tie it names the topic.
    for (const scope of ['fleet', 'vehicle'] as const) {
      for (const [id, revision] of this.manifests.get(scope)?.tasks ?? []) {
        const had = merged.get(id);
        if (had === undefined || revision >= had.revision) merged.set(id, { id, revision, scope });
      }
    }
    this.merged = merged;
    return merged;
  }

  /** Notes the vehicle's answer to a task message (its ack), so a refused task is not fetched again and again. */
  noteAnswer(taskId: string, revision: number | null, status: 'accepted' | 'rejected' | 'withdrawn' | 'expired'): void {
    this.absent.delete(taskId);
    if (status !== 'rejected' && status !== 'expired') {
      this.answered.delete(taskId);
      return;
    }
    // Only listed tasks are remembered: junk on the task topics cannot grow this map.
    const listed = this.expected().get(taskId);
    if (listed === undefined) return;
    const settles = revision ?? listed.revision;
    if (settles !== undefined) this.answered.set(taskId, { revision: settles, status });
  }

  /** Notes that these tasks were fetched and nothing came: the broker holds no retained message for them. */
  noteAbsent(tasks: Iterable<ExpectedTask>): void {
    for (const t of tasks) if (this.isMissing(t)) this.absent.set(t.id, t.revision);
  }

  /** Forgets which tasks were absent, so the next fetch asks for them again. */
  retryAbsent(): void {
    this.absent.clear();
  }

  /** Tasks to fetch now: missing, and neither known to be absent at the broker nor refused at that revision. */
  toFetch(): ExpectedTask[] {
    const out: ExpectedTask[] = [];
    for (const t of this.expected().values()) {
      if (!this.isMissing(t)) continue;
      const absentAt = this.absent.get(t.id);
      if (absentAt !== undefined && absentAt >= t.revision) continue;
      out.push(t);
    }
    return out;
  }

  figures(): TaskSyncDetail {
    let held = 0;
    let missing = 0;
    let notOnBroker = 0;
    let refused = 0;
    let expired = 0;
    for (const t of this.expected().values()) {
      const have = this.heldRevision(t.id);
      if (have !== undefined && have >= t.revision) {
        held += 1;
        continue;
      }
      const answer = this.settledAnswer(t);
      if (answer !== undefined) {
        if (answer.status === 'rejected') refused += 1;
        else expired += 1;
        continue;
      }
      missing += 1;
      const absentAt = this.absent.get(t.id);
      if (absentAt !== undefined && absentAt >= t.revision) notOnBroker += 1;
    }
    return { held, expected: this.expected().size, missing, notOnBroker, refused, expired };
  }

  private isMissing(t: ExpectedTask): boolean {
    const have = this.heldRevision(t.id);
    if (have !== undefined && have >= t.revision) return false;
    return this.settledAnswer(t) === undefined;
  }

  /** The answer that settles a listed task: given to that revision or a newer one. */
  private settledAnswer(t: ExpectedTask): Answer | undefined {
    const answer = this.answered.get(t.id);
    if (answer === undefined) return undefined;
    return answer.revision >= t.revision ? answer : undefined;
  }
}
