// The capture loop: on each fix decide which tasks want a frame and grab it at once; frames wait in a small RAM-only
// queue for the detector and redactor, one at a time: keep a frame only if it shows a target, redact it (fail closed)
// and queue the evidence. Raw frames stay in RAM and are dropped on any failure; a full queue drops the trigger, counted.
import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { FoundClass } from '../core/detection/decide.ts';
import { judgeFrame, type TaskVerdict } from '../core/detection/frameVerdict.ts';
import { buildObservation } from '../core/tasks/observation.ts';
import type { EvidenceMeta } from '../core/evidence/evidence.ts';
import { positionAt } from '../core/gps/extrapolate.ts';
import type { Task } from '../core/tasks/task.ts';
import type { TaskRegistry } from '../core/tasks/taskRegistry.ts';
import type { Trigger } from '../core/trigger/trigger.ts';
import type { Camera } from '../ports/camera.ts';
import type { Clock } from '../ports/clock.ts';
import { DeadlineExceededError } from '../core/redaction/deadline.ts';
import type { ModelInfo, ObjectDetector, Redactor } from '../ports/detector.ts';
import type { EvidenceQueue } from '../ports/evidenceQueue.ts';
import type { Frame } from '../ports/frame.ts';
import type { Fix, GpsSource } from '../ports/gps.ts';
import type { ObservationRecorder } from '../ports/observationRecorder.ts';
import { emptyCaptureStats, type CaptureStats } from './captureStats.ts';
import type { ModelRouter } from './modelRouter.ts';

/** Default of capture.maxPendingFrames. */
export const DEFAULT_MAX_PENDING_FRAMES = 8;

interface Pending {
  readonly fix: Fix;
  readonly tasks: readonly Task[];
  readonly frame: Promise<Frame | undefined>;
}

/** A frame is placed at most this far ahead of its fix by dead reckoning. */
const MAX_EXTRAPOLATION_MS = 1_500;

export interface CaptureServiceOptions {
  readonly vehicleId: string;
  readonly fleetId: string;
  readonly grabTimeoutMs: number;
  /**
   * Frames grabbed and waiting for the detector and redactor, besides the one in hand (capture.maxPendingFrames).
   * A trigger while this many wait is dropped and counted (framesSkippedBusy). Default 8.
   */
  readonly maxPendingFrames?: number;
  /** Unused: each task carries its own minConfidence (default 0.4). Kept so older callers still compile. */
  readonly minScore?: number;
}

export interface CaptureDeps {
  readonly gps: GpsSource;
  readonly registry: TaskRegistry;
  readonly trigger: Trigger;
  readonly camera: Camera;
  readonly objects: ObjectDetector;
  readonly redactor: Redactor;
  readonly queue: EvidenceQueue;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where each task's decision about a frame is reported (observations); optional so tests can leave it out. */
  readonly observations?: ObservationRecorder;
  /**
   * Asks a dearer model where the objects model is unsure of a task's classes (models.unsureMargin); without it
   * every task is judged by the objects model alone, unsure answers giving `uncertain`.
   */
  readonly router?: ModelRouter;
}

export class CaptureService {
  readonly stats: CaptureStats = emptyCaptureStats();
  /** Triggers whose frame is being grabbed or waits for the redactor, oldest first. */
  private readonly waiting: Pending[] = [];
  /** The loop that hands waiting frames to detection and redaction, one at a time; null when idle. */
  private working: Promise<void> | null = null;
  /** Bytes of raw frames held: waiting, and the one in hand. */
  private heldBytes = 0;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly options: CaptureServiceOptions,
    private readonly deps: CaptureDeps,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = this.deps.gps.onFix((fix) => this.onFix(fix));
  }

  /** Stops taking new frames and finishes the frames already taken (at most maxPendingFrames + 1). */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    while (this.working !== null) await this.working;
  }

  private onFix(fix: Fix): void {
    this.stats.fixes += 1;
    const { registry, trigger } = this.deps;
    trigger.follow(registry);
    const decision = trigger.onFix(fix, this.deps.clock.nowMs());
    if (decision.rejected !== null) {
      this.stats.fixesRejected += 1;
      this.stats.fixesRejectedBy[decision.rejected] += 1;
    }
    for (const reason of decision.skipped.values()) this.stats.triggerSkips[reason] += 1;
    if (decision.fire.length === 0) return;
    const maxPending = this.options.maxPendingFrames ?? DEFAULT_MAX_PENDING_FRAMES;
    if (this.waiting.length >= maxPending) {
      // The redactor is behind by a full queue: this trigger is not taken (nothing is grabbed) and the trigger fires
      // again on the next fix, since no capture was recorded.
      this.stats.framesSkippedBusy += 1;
      this.deps.logger.warn({ decision: 'skip', reason: 'queue-full', taskIds: decision.fire.map((t) => t.id), maxPending, ...where(fix) }, 'trigger skipped: frame queue full');
      return;
    }
    this.stats.triggers += 1;
    const tasks = decision.fire;
    this.waiting.push({ fix, tasks, frame: this.grab(fix, tasks) });
    this.stats.pendingFramesPeak = Math.max(this.stats.pendingFramesPeak, this.waiting.length);
    this.drain();
  }

  /** Grabs the frame for a trigger now (the camera converts it in its own threads); undefined when none came. */
  private async grab(fix: Fix, tasks: readonly Task[]): Promise<Frame | undefined> {
    const taskIds = tasks.map((t) => t.id);
    let frame: Frame;
    try {
      frame = await this.deps.camera.grab(this.options.grabTimeoutMs);
    } catch (err) {
      this.stats.framesDroppedCameraFailed += 1;
      // The camera supervisor restarts a failing camera (only while it is wanted); this frame is simply not taken.
      this.deps.logger.warn({ decision: 'no-frame', taskIds, ...where(fix), err: (err as Error).message }, 'camera gave no frame');
      return undefined;
    }
    this.stats.framesCaptured += 1;
    this.deps.trigger.recordCapture(taskIds, fix);
    this.heldBytes += frame.data.length;
    this.stats.pendingFrameBytesPeak = Math.max(this.stats.pendingFrameBytesPeak, this.heldBytes);
    return frame;
  }

  /** Hands the waiting frames to detection and redaction one at a time, in trigger order. */
  private drain(): void {
    if (this.working !== null) return;
    this.working = (async () => {
      for (let next = this.waiting[0]; next !== undefined; next = this.waiting[0]) {
        const frame = await next.frame;
        this.waiting.shift();
        if (frame === undefined) continue;
        try {
          await this.capture(next.fix, next.tasks, frame);
        } catch (err) {
          this.deps.logger.error({ err }, 'capture failed');
        } finally {
          this.heldBytes -= frame.data.length;
        }
      }
    })().finally(() => {
      this.working = null;
    });
  }

  private async capture(fix: Fix, tasks: readonly Task[], frame: Frame): Promise<void> {
    const { logger } = this.deps;
    const taskIds = tasks.map((t) => t.id);
    // Where the vehicle was when the frame was taken, not when the fix before it was.
    const at = positionAt(fix, frame.capturedAtMs, MAX_EXTRAPOLATION_MS);
    let objects: Awaited<ReturnType<ObjectDetector['detect']>>;
    let verdicts: TaskVerdict[];
    let escalatedTo: readonly ModelInfo[] = [];
    try {
      const startedAt = performance.now();
      // The objects model (the cheapest) looks at every frame: its persons and vehicles guide the redaction too.
      objects = await this.deps.objects.detect(frame);
      const objectsMs = performance.now() - startedAt;
      const router = this.deps.router;
      const objectsModel = this.deps.objects.models[0]?.name;
      if (router === undefined || objectsModel === undefined) verdicts = judgeFrame(tasks, objects);
      else ({ verdicts, escalatedTo } = await router.judge(frame, tasks, new Map([[objectsModel, { detections: objects, ms: objectsMs }]])));
    } catch (err) {
      // Fail closed: a frame that cannot be looked at is not kept; the tasks hear that it could not be judged.
      this.stats.framesDroppedRedactionFailed += 1;
      logger.error({ decision: 'drop', reason: 'detection-failed', taskIds, ...where(fix), err: (err as Error).message }, 'frame dropped');
      this.observe(tasks.map((task) => ({ task, found: [], seen: [], outcome: 'uncertain' as const, keepFrame: false })), frame, at, new Map(), 'detection failed');
      return;
    }
    for (const v of verdicts) {
      if (v.outcome !== 'found') logger.info({ decision: v.outcome, taskId: v.task.id, lookFor: v.task.lookFor }, 'no target in frame');
    }
    const keeping = verdicts.filter((v) => v.keepFrame);
    if (keeping.length === 0) {
      this.stats.framesDroppedNoTarget += 1;
      logger.info({ decision: 'drop', reason: 'no-target', taskIds, ...where(fix) }, 'frame dropped');
      this.observe(verdicts, frame, at, new Map());
      return;
    }
    let evidenceIds: Map<string, string>;
    try {
      evidenceIds = await this.keep(frame, fix, keeping, objects, escalatedTo);
    } catch (err) {
      // Fail closed: whatever went wrong between camera and queue, the raw frame is not kept.
      this.stats.framesDroppedRedactionFailed += 1;
      const overran = err instanceof DeadlineExceededError;
      if (overran) this.stats.framesDroppedDeadline += 1;
      logger.error({ decision: 'drop', reason: overran ? 'redaction-deadline' : 'redaction-failed', taskIds, ...where(fix), err: (err as Error).message }, 'frame dropped');
      this.observe(verdicts, frame, at, new Map(), 'the frame could not be redacted, so no evidence was kept', (v) => v.keepFrame);
      return;
    }
    this.observe(verdicts, frame, at, evidenceIds);
  }

  /** Reports each task's decision about this frame (when an observation recorder is wired in). */
  private observe(
    verdicts: readonly TaskVerdict[],
    frame: Frame,
    at: { lat: number; lon: number },
    evidenceIds: ReadonlyMap<string, string>,
    note?: string,
    noteWhen: (v: TaskVerdict) => boolean = () => true,
  ): void {
    const recorder = this.deps.observations;
    if (recorder === undefined) return;
    for (const v of verdicts) {
      const evidenceId = evidenceIds.get(v.task.id);
      try {
        recorder.record(
          buildObservation({
            vehicleId: this.options.vehicleId,
            verdict: v,
            capturedAtMs: frame.capturedAtMs,
            lat: round(at.lat, 7),
            lon: round(at.lon, 7),
            evidenceIds: evidenceId === undefined ? [] : [evidenceId],
            ...(note !== undefined && noteWhen(v) ? { note } : {}),
          }),
        );
      } catch (err) {
        this.deps.logger.error({ taskId: v.task.id, err: (err as Error).message }, 'observation could not be stored');
      }
    }
  }

  /** Redacts once and queues the frame for each task that keeps it; returns the evidence id per task id. */
  private async keep(
    frame: Frame,
    fix: Fix,
    matches: readonly { task: Task; found: FoundClass[] }[],
    objects: Awaited<ReturnType<ObjectDetector['detect']>>,
    askedToo: readonly ModelInfo[],
  ): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    const redacted = await this.deps.redactor.redact(frame, objects);
    this.stats.facesBlurred += redacted.faces;
    this.stats.platesBlurred += redacted.plates;
    const sha256 = createHash('sha256').update(redacted.jpeg).digest('hex');
    const models = [...this.deps.objects.models, ...askedToo, ...this.deps.redactor.models];
    const at = positionAt(fix, frame.capturedAtMs, MAX_EXTRAPOLATION_MS);
    for (const { task, found } of matches) {
      const meta: EvidenceMeta = {
        id: randomUUID(),
        vehicleId: this.options.vehicleId,
        fleetId: this.options.fleetId,
        taskId: task.id,
        revision: task.revision,
        purpose: task.purpose,
        capturedAt: new Date(frame.capturedAtMs).toISOString(),
        lat: round(at.lat, 7),
        lon: round(at.lon, 7),
        speedKmh: fix.speedMps === undefined ? null : round(fix.speedMps * 3.6, 1),
        headingDeg: fix.trackDeg ?? null,
        found,
        models,
        faces: redacted.faces,
        plates: redacted.plates,
        redactedRegions: redacted.regions.length,
        regions: redacted.regions.map((r) => ({ kind: r.kind, x1: Math.round(r.box.x1), y1: Math.round(r.box.y1), x2: Math.round(r.box.x2), y2: Math.round(r.box.y2) })),
        retentionDays: task.retentionDays,
        sha256,
        bytes: redacted.jpeg.length,
      };
      await this.deps.queue.add(meta, redacted.jpeg, task.priority);
      ids.set(task.id, meta.id);
      this.stats.evidenceQueued += 1;
      this.deps.logger.info(
        {
          decision: 'keep',
          evidenceId: meta.id,
          taskId: task.id,
          found,
          faces: redacted.faces,
          plates: redacted.plates,
          redactMs: Math.round(redacted.ms),
          ...where(fix),
        },
        'evidence queued',
      );
    }
    return ids;
  }
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** Where and when a decision was made: the fix that fired the trigger (one line per decision can be put on a map). */
function where(fix: Fix): { lat: number; lon: number; fixAt: string } {
  return { lat: fix.lat, lon: fix.lon, fixAt: new Date(fix.timeMs).toISOString() };
}
