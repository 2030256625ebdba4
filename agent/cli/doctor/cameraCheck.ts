// Doctor: the camera opens and a frame arrives. The frame stays in RAM and is dropped at once.
import { GstreamerCamera } from '../../adapters/gstreamerCamera.ts';
import type { CheckContext, CheckResult } from './check.ts';

export async function checkCamera({ config, logger, timeoutMs }: CheckContext): Promise<CheckResult> {
  const what = config.camera.source === 'v4l2' ? config.camera.device : config.camera.source === 'rtsp' ? config.camera.url : config.camera.source === 'file' ? config.camera.path : 'test source';
  const camera = new GstreamerCamera({ ...config.camera, watchdogMs: timeoutMs }, logger);
  const controller = new AbortController();
  try {
    await camera.start(controller.signal);
    const frame = await camera.grab(timeoutMs);
    return { name: 'camera', status: 'ok', detail: `${what}: frame ${frame.width}×${frame.height}` };
  } catch (err) {
    return { name: 'camera', status: 'fail', detail: `${what}: ${(err as Error).message}` };
  } finally {
    controller.abort();
    await camera.stop();
  }
}
