// Asks the right model per task: each frame goes to the cheapest model that answers the task's classes; where its
// best score lies in the unsure band around the task's minConfidence, the next dearer model is asked. Each model is
// run at most once per frame (shared by all tasks) and its answers are counted per task for the status.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { taskVerdict, type TaskVerdict } from '../core/detection/frameVerdict.ts';
import { countRoute, ladderFor, routeTask, RoutingCounts, type ModelCounts, type Outcome, type RoutableModel } from '../core/detection/modelRouting.ts';
import type { Task } from '../core/tasks/task.ts';
import type { Detection, ModelInfo, ObjectDetector } from '../ports/detector.ts';
import type { Frame } from '../ports/frame.ts';

export interface ModelRouterOptions {
  /** Half-width of the unsure band around each task's minConfidence (models.unsureMargin); 0: never escalate. */
  readonly marginScore: number;
}

/** A model's answers on one frame, already run by the caller (the objects model, whose boxes redaction uses too). */
export interface Answered {
  readonly detections: readonly Detection[];
  readonly ms: number;
}

export interface FrameJudgement {
  readonly verdicts: TaskVerdict[];
  /** Models run here beyond the ones handed in (name and sha256, for the evidence metadata). */
  readonly escalatedTo: readonly ModelInfo[];
}

export interface RoutingStatus {
  readonly unsureMargin: number;
  /** The models in use, cheapest first. */
  readonly models: readonly { readonly name: string; readonly costMs: number }[];
  /** Models of the manifest that could not be loaded: the routing runs without them. */
  readonly missing: readonly string[];
  readonly tasks: Record<string, { outcomes: Record<Outcome, number>; models: Record<string, ModelCounts> }>;
}

export class ModelRouter {
  readonly counts = new RoutingCounts();
  private readonly detectors = new Map<string, ObjectDetector>();
  private routable: RoutableModel[] = [];
  private readonly missingModels: string[] = [];

  constructor(
    private readonly options: ModelRouterOptions,
    private readonly logger: Logger,
  ) {}

  /** Takes a started model into the routing. */
  use(model: RoutableModel, detector: ObjectDetector): void {
    this.detectors.set(model.name, detector);
    this.routable = [...this.routable.filter((m) => m.name !== model.name), model];
  }

  /** Notes a model that is not available; the routing runs without it. */
  markMissing(name: string): void {
    if (!this.missingModels.includes(name)) this.missingModels.push(name);
  }

  /**
   * Every task's verdict on the frame. `answered` holds models already run on it; others are run here when a task's
   * route needs them. A model that fails is left out for this frame: its task's outcome then rests on the answers
   * before it (unsure → uncertain).
   */
  async judge(frame: Frame, tasks: readonly Task[], answered: ReadonlyMap<string, Answered>): Promise<FrameJudgement> {
    const ran = new Map(answered);
    const failed = new Set<string>();
    const escalatedTo: ModelInfo[] = [];
    const verdicts: TaskVerdict[] = [];
    for (const task of tasks) {
      const ladder = ladderFor(task.lookFor, this.routable).filter((m) => !failed.has(m.name));
      for (;;) {
        const step = routeTask(task.lookFor, task.minConfidence, this.options.marginScore, ladder, (m) => ran.get(m)?.detections);
        if ('ask' in step) {
          const name = step.ask.name;
          try {
            ran.set(name, await this.run(name, frame));
            escalatedTo.push(...(this.detectors.get(name)?.models ?? []));
          } catch (err) {
            this.logger.error({ model: name, taskId: task.id, err: (err as Error).message }, 'model failed; judged without it');
            failed.add(name);
            ladder.splice(ladder.indexOf(step.ask), 1);
          }
          continue;
        }
        const { route } = step;
        countRoute(this.counts, task.id, route, (m) => ran.get(m)?.ms ?? 0);
        const decided = route.decidedBy === null ? [] : (ran.get(route.decidedBy)?.detections ?? []);
        verdicts.push(taskVerdict(task, route.outcome, decided, this.options.marginScore));
        if (route.answers.length > 1) {
          this.logger.info(
            { taskId: task.id, outcome: route.outcome, answers: route.answers.map((a) => ({ model: a.model, bestScore: round3(a.bestScore), verdict: a.verdict })) },
            'unsure answer escalated',
          );
        }
        break;
      }
    }
    return { verdicts, escalatedTo };
  }

  /** For the status: the models, and the counts of the tasks still held (others are forgotten). */
  status(heldTaskIds: ReadonlySet<string>): RoutingStatus {
    const snapshot = this.counts.snapshot();
    for (const taskId of Object.keys(snapshot)) {
      if (!heldTaskIds.has(taskId)) {
        this.counts.forget(taskId);
        delete snapshot[taskId];
      }
    }
    return {
      unsureMargin: this.options.marginScore,
      models: [...this.routable].sort((a, b) => a.costMs - b.costMs).map((m) => ({ name: m.name, costMs: m.costMs })),
      missing: [...this.missingModels],
      tasks: snapshot,
    };
  }

  private async run(name: string, frame: Frame): Promise<Answered> {
    const detector = this.detectors.get(name);
    if (detector === undefined) throw new Error(`model ${name} is not loaded`);
    const startedAt = performance.now();
    const detections = await detector.detect(frame);
    return { detections, ms: performance.now() - startedAt };
  }
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
