// Doctor: the camera the agent would run opens and a frame arrives. The frame stays in RAM and is dropped at once.
import { createCamera } from '../../adapters/factories/createCamera.ts';
import type { CheckContext, CheckResult } from './check.ts';

export async function checkCamera({ config, logger, timeoutMs }: CheckContext): Promise<CheckResult> {
  const camera = createCamera(config, logger, { watchdogMs: timeoutMs });
  const controller = new AbortController();
  try {
    await camera.start(controller.signal);
    const frame = await camera.grab(timeoutMs);
    return { name: 'camera', status: 'ok', detail: `${camera.label}: frame ${frame.width}×${frame.height}` };
  } catch (err) {
    return { name: 'camera', status: 'fail', detail: `${camera.label}: ${(err as Error).message}` };
  } finally {
    controller.abort();
    await camera.stop();
  }
}
