// A camera that reads files (tests, the demo, replaying a drive): a video file loops; a folder of JPEG images is
// played in name order through numbered links, since multifilesrc needs numbered names (links: no pixel copies).
import { mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildCameraPipeline, imageFileName, type CameraPipelineOptions } from '../core/camera/cameraPipeline.ts';

const IMAGE_EXTENSIONS = /\.(jpe?g)$/i;

export interface ResolvedCameraSource {
  /** The GStreamer pipeline description. */
  readonly description: string;
  /** The folder of numbered links to remove when the camera stops (image folders only). */
  readonly linkDir?: string;
  /** A single video file: played again from the start when it ends. */
  readonly loops: boolean;
}

/** Resolves the source on disk (stat, numbered links) and returns the pipeline description. */
export async function resolveCameraSource(o: Omit<CameraPipelineOptions, 'fileKind'>): Promise<ResolvedCameraSource> {
  if (o.source !== 'file') return { description: buildCameraPipeline(o), loops: false };
  const path = resolve(o.path ?? '');
  const info = await stat(path);
  if (!info.isDirectory()) return { description: buildCameraPipeline({ ...o, path, fileKind: 'video' }), loops: true };
  const names = (await readdir(path)).filter((n) => IMAGE_EXTENSIONS.test(n)).sort();
  if (names.length === 0) throw new Error(`no .jpg images in ${path}`);
  const linkDir = await mkdtemp(join(tmpdir(), 'tilsyn-camera-'));
  try {
    await Promise.all(names.map((name, i) => symlink(join(path, name), join(linkDir, imageFileName(i)))));
  } catch (error) {
    await rm(linkDir, { recursive: true, force: true });
    throw error;
  }
  return { description: buildCameraPipeline({ ...o, path: linkDir, fileKind: 'images' }), linkDir, loops: false };
}
