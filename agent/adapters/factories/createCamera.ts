// The camera the config names (camera.source): the one place that maps a camera source to its adapter.
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.ts';
import type { Camera } from '../../ports/camera.ts';
import { GstreamerCamera } from '../gstreamerCamera.ts';

export interface CameraOverrides {
  /** No frame for this long counts as a failed camera (the doctor waits no longer than its own timeout). */
  readonly watchdogMs?: number;
}

/**
 * Every source of the schema (v4l2, rtsp, file, test) is a GStreamer pipeline whose head is built from the source's
 * keys in core/camera/cameraPipeline.ts, so a new GStreamer source needs no change here. A source that is not a
 * GStreamer pipeline gets its own adapter and a `case` here (see docs/architecture.md, "Adding a camera source").
 */
export function createCamera(config: Pick<Config, 'camera'>, log: Logger, overrides: CameraOverrides = {}): Camera {
  return new GstreamerCamera({ ...config.camera, ...overrides }, log);
}
