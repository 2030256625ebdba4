// The object models the router asks, as one part of the agent: started in order, taken into the routing, and
// released (ONNX sessions) when the agent stops. A required model that does not load stops the start; an optional
// one (a dearer second opinion) that does not load is noted as missing, and the routing runs without it.
import type { Logger } from 'pino';
import type { RoutableModel } from '../core/detection/modelRouting.ts';
import type { ObjectDetector } from '../ports/detector.ts';
import type { ModelRouter } from './modelRouter.ts';

export interface LoadableDetector extends ObjectDetector {
  start(): Promise<void>;
  /** Releases the model's session (the Detector port's close()). */
  close(): Promise<void>;
}

export interface RoutedModel {
  readonly model: RoutableModel;
  readonly detector: LoadableDetector;
  /** Without it the agent still runs: its unsure answers stay uncertain. */
  readonly optional: boolean;
}

export class RoutedModels {
  private readonly loaded: LoadableDetector[] = [];

  constructor(
    private readonly models: readonly RoutedModel[],
    private readonly router: ModelRouter,
    /** Wraps each detector as the router sees it (inference times for the status and the watchdog). */
    private readonly wrap: (detector: ObjectDetector) => ObjectDetector,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    for (const { model, detector, optional } of this.models) {
      try {
        await detector.start();
      } catch (err) {
        if (!optional) throw err;
        this.router.markMissing(model.name);
        this.logger.warn(
          { model: model.name, err: (err as Error).message },
          'second-opinion model not loaded: tasks are judged by the cheaper models alone; unsure answers are reported as uncertain',
        );
        continue;
      }
      this.loaded.push(detector);
      this.router.use(model, this.wrap(detector));
    }
  }

  /** Releases every loaded model, the last first; one that fails to release does not keep the others. */
  async stop(): Promise<void> {
    while (this.loaded.length > 0) {
      const detector = this.loaded.pop()!;
      try {
        await detector.close();
      } catch (err) {
        this.logger.error({ err: (err as Error).message }, 'model not released');
      }
    }
  }
}
