// Asking the right model: the cheapest model that answers all of a task's classes first; when its best score lies in
// the unsure band (minConfidence ± margin), the next dearer model that answers them; the frame's outcome is found,
// not_found or uncertain. Pure: the caller runs the models and feeds their detections back in; counts kept here.
import type { Detection } from './detection.ts';

export interface RoutableModel {
  readonly name: string;
  /** The classes it answers. */
  readonly classes: ReadonlySet<string>;
  /** What one frame costs it, ms on the vehicle (from the manifest); the ladder is climbed cheapest first. */
  readonly costMs: number;
}

export type Verdict = 'found' | 'not_found' | 'unsure';
export type Outcome = 'found' | 'not_found' | 'uncertain';

/** The models that answer every class the task looks for, cheapest first (ties by name, so the order is stable). */
export function ladderFor(lookFor: readonly string[], models: readonly RoutableModel[]): RoutableModel[] {
  return models
    .filter((m) => lookFor.every((label) => m.classes.has(label)))
    .sort((a, b) => a.costMs - b.costMs || a.name.localeCompare(b.name));
}

/** One model's answer: its best score among the task's classes against the band around minConfidence. */
export function verdictOf(bestScore: number, minConfidence: number, marginScore: number): Verdict {
  // Scores compared to a millionth, so a band edge written as 0.4 - 0.1 is where it reads.
  const above = Math.round((bestScore - minConfidence) * 1e6) / 1e6;
  const margin = Math.round(marginScore * 1e6) / 1e6;
  if (above >= margin) return 'found';
  if (above < -margin) return 'not_found';
  return 'unsure';
}

export type RouteStep = { readonly ask: RoutableModel } | { readonly outcome: Outcome };

/**
 * What to do next, given the best scores of the models asked so far (in ladder order): ask the next model while the
 * last answer was unsure and a dearer one is left; else the outcome. An unsure answer at the top of the ladder is
 * `uncertain` — the frame is not called found on a guess.
 */
export function nextStep(ladder: readonly RoutableModel[], scores: readonly number[], minConfidence: number, marginScore: number): RouteStep {
  if (ladder.length === 0) return { outcome: 'uncertain' };
  if (scores.length === 0) return { ask: ladder[0]! };
  const verdict = verdictOf(scores[scores.length - 1]!, minConfidence, marginScore);
  if (verdict !== 'unsure') return { outcome: verdict };
  const next = ladder[scores.length];
  return next === undefined ? { outcome: 'uncertain' } : { ask: next };
}

/** The best score among the task's classes in one model's detections; 0 when none of them was seen. */
export function bestScoreFor(lookFor: readonly string[], detections: readonly Detection[]): number {
  const wanted = new Set(lookFor);
  let best = 0;
  for (const d of detections) if (wanted.has(d.label) && d.score > best) best = d.score;
  return best;
}

export interface ModelAnswer {
  readonly model: string;
  readonly bestScore: number;
  readonly verdict: Verdict;
  /** A dearer model was asked after this answer. */
  readonly escalated: boolean;
}

export interface TaskRoute {
  readonly outcome: Outcome;
  /** The answers in the order asked: the cheapest model first, each later one asked because the one before was unsure. */
  readonly answers: readonly ModelAnswer[];
  /** The model whose answer stands (the last asked); null when no model answers the task's classes. */
  readonly decidedBy: string | null;
}

/**
 * One task on one frame: either the model still to ask, or the whole route with its outcome. `answered` gives the
 * detections of a model already run on this frame (models are run once per frame and shared by all tasks).
 */
export function routeTask(
  lookFor: readonly string[],
  minConfidence: number,
  marginScore: number,
  ladder: readonly RoutableModel[],
  answered: (model: string) => readonly Detection[] | undefined,
): { readonly ask: RoutableModel } | { readonly route: TaskRoute } {
  const scores: number[] = [];
  for (;;) {
    const step = nextStep(ladder, scores, minConfidence, marginScore);
    if ('outcome' in step) {
      const answers = scores.map((bestScore, i) => ({
        model: ladder[i]!.name,
        bestScore,
        verdict: verdictOf(bestScore, minConfidence, marginScore),
        escalated: i < scores.length - 1,
      }));
      return { route: { outcome: step.outcome, answers, decidedBy: answers.at(-1)?.model ?? null } };
    }
    const detections = answered(step.ask.name);
    if (detections === undefined) return { ask: step.ask };
    scores.push(bestScoreFor(lookFor, detections));
  }
}

/** Adds one task's route on one frame to the counts; `msOf` says how long each model took on this frame. */
export function countRoute(counts: RoutingCounts, taskId: string, route: TaskRoute, msOf: (model: string) => number): void {
  for (const a of route.answers) counts.recordAnswer(taskId, a.model, a.verdict, msOf(a.model), a.escalated);
  counts.recordOutcome(taskId, route.outcome);
}

export interface ModelCounts {
  asked: number;
  found: number;
  notFound: number;
  unsure: number;
  /** Unsure answers handed on to a dearer model. */
  escalated: number;
  ms: number;
}

/** Counts per task and per model, as published in the status: which model serves which task. */
export class RoutingCounts {
  private readonly counts = new Map<string, Map<string, ModelCounts>>();
  private readonly outcomes = new Map<string, Record<Outcome, number>>();

  /** One model's answer for a task; `escalated` when a dearer model is asked after it. */
  recordAnswer(taskId: string, model: string, verdict: Verdict, ms: number, escalated: boolean): void {
    let perTask = this.counts.get(taskId);
    if (perTask === undefined) this.counts.set(taskId, (perTask = new Map()));
    let c = perTask.get(model);
    if (c === undefined) perTask.set(model, (c = { asked: 0, found: 0, notFound: 0, unsure: 0, escalated: 0, ms: 0 }));
    c.asked += 1;
    if (verdict === 'found') c.found += 1;
    else if (verdict === 'not_found') c.notFound += 1;
    else c.unsure += 1;
    if (escalated) c.escalated += 1;
    c.ms += ms;
  }

  recordOutcome(taskId: string, outcome: Outcome): void {
    const o = this.outcomes.get(taskId) ?? { found: 0, not_found: 0, uncertain: 0 };
    o[outcome] += 1;
    this.outcomes.set(taskId, o);
  }

  /** Plain JSON for the status: {taskId: {outcomes, models: {name: counts}}}. */
  snapshot(): Record<string, { outcomes: Record<Outcome, number>; models: Record<string, ModelCounts> }> {
    const out: Record<string, { outcomes: Record<Outcome, number>; models: Record<string, ModelCounts> }> = {};
    for (const taskId of new Set([...this.counts.keys(), ...this.outcomes.keys()])) {
      const models: Record<string, ModelCounts> = {};
      for (const [name, c] of this.counts.get(taskId) ?? []) models[name] = { ...c, ms: Math.round(c.ms) };
      out[taskId] = { outcomes: { ...(this.outcomes.get(taskId) ?? { found: 0, not_found: 0, uncertain: 0 }) }, models };
    }
    return out;
  }

  forget(taskId: string): void {
    this.counts.delete(taskId);
    this.outcomes.delete(taskId);
  }
}
