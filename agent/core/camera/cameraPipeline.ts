// Builds the GStreamer pipeline description for a camera source; every variant ends in an appsink holding the newest frame only.

export type CameraSourceKind = 'test' | 'file' | 'v4l2' | 'rtsp';

export interface CameraPipelineOptions {
  readonly source: CameraSourceKind;
  /**
   * For source 'file': a folder of numbered JPEGs (00000.jpg, 00001.jpg, …) when `fileKind` is 'images',
   * or one video file when it is 'video'.
   */
  readonly path?: string;
  /** How to read `path` for source 'file'. The adapter decides this by looking at the path. */
  readonly fileKind?: 'images' | 'video';
  /** V4L2 device for source 'v4l2', e.g. /dev/video0. */
  readonly device?: string;
  /** rtsp:// URL for source 'rtsp'. */
  readonly url?: string;
  /** Jitter buffer for RTSP in ms; default 200. */
  readonly rtspLatencyMs?: number;
  /** Frames per second delivered by replayed sources (images, video, test); fractions allowed (0.5 = one every 2 s). */
  readonly fps: number;
  readonly width: number;
  readonly height: number;
}

/** Name of the appsink element the adapter pulls from. */
export const CAMERA_SINK_NAME = 'sink';

/** Number of digits in the numbered image names multifilesrc reads: 00000.jpg … */
export const IMAGE_INDEX_DIGITS = 5;

export function imageFileName(index: number): string {
  return `${String(index).padStart(IMAGE_INDEX_DIGITS, '0')}.jpg`;
}

/**
 * Quotes a value for gst_parse_launch: inside double quotes only `"` and `\` need a backslash.
 * Control characters cannot be passed safely, so they are refused.
 */
export function quoteGstValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new Error(`control characters are not allowed in "${value}"`);
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function requirePositiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`camera ${name} must be a positive integer, got ${value}`);
  return value;
}

/** GStreamer framerates are fractions: 5 → "5/1", 0.5 → "1/2", 2.5 → "5/2" (to 1/1000 fps). */
export function framerate(fps: number): string {
  if (!Number.isFinite(fps) || fps <= 0) throw new Error(`camera fps must be a positive number, got ${fps}`);
  let num = Math.round(fps * 1000);
  let den = 1000;
  if (num === 0) throw new Error(`camera fps must be at least 0.001, got ${fps}`);
  const divisor = gcd(num, den);
  num /= divisor;
  den /= divisor;
  return `${num}/${den}`;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function requireString(name: string, value: string | undefined, source: string): string {
  if (value === undefined || value.trim() === '') throw new Error(`camera source '${source}' needs ${name}`);
  return value;
}

/** The common tail: packed RGB at the configured size; square pixels, so a source of another shape is letterboxed, not stretched. */
function tail(o: CameraPipelineOptions, sync: boolean): string {
  return (
    `videoconvert ! videoscale ! video/x-raw,format=RGB,width=${o.width},height=${o.height},pixel-aspect-ratio=1/1` +
    ` ! appsink name=${CAMERA_SINK_NAME} max-buffers=1 drop=true sync=${sync}`
  );
}

export function buildCameraPipeline(o: CameraPipelineOptions): string {
  requirePositiveInt('width', o.width);
  requirePositiveInt('height', o.height);
  const rate = framerate(o.fps);
  switch (o.source) {
    case 'test':
      return `videotestsrc is-live=true ! video/x-raw,framerate=${rate} ! ${tail(o, false)}`;
    case 'file': {
      const path = requireString('path', o.path, o.source);
      if (o.fileKind === 'images') {
        // multifilesrc's location is a printf pattern: a literal % in the folder must be doubled.
        const dir = path.replace(/\/+$/, '').replace(/%/g, '%%');
        const pattern = `${dir}/%0${IMAGE_INDEX_DIGITS}d.jpg`;
        // sync=true: the sink paces the images at fps in real time, like a live camera.
        return (
          `multifilesrc location=${quoteGstValue(pattern)} index=0 loop=true` +
          ` caps=image/jpeg,framerate=${rate} ! jpegdec ! ${tail(o, true)}`
        );
      }
      if (o.fileKind === 'video') {
        return (
          `filesrc location=${quoteGstValue(path)} ! decodebin ! videorate ! video/x-raw,framerate=${rate}` +
          ` ! ${tail(o, true)}`
        );
      }
      throw new Error(`camera source 'file' needs fileKind 'images' or 'video'`);
    }
    case 'v4l2': {
      const device = requireString('device', o.device, o.source);
      // decodebin copes with both raw and MJPEG webcams; sync=false: a live source is already real time.
      return `v4l2src device=${quoteGstValue(device)} ! decodebin ! ${tail(o, false)}`;
    }
    case 'rtsp': {
      const url = requireString('url', o.url, o.source);
      const latencyMs = o.rtspLatencyMs ?? 200;
      if (!Number.isInteger(latencyMs) || latencyMs < 0) throw new Error(`rtsp latency must be ≥ 0 ms, got ${latencyMs}`);
      return `rtspsrc location=${quoteGstValue(url)} latency=${latencyMs} ! decodebin ! ${tail(o, false)}`;
    }
    default: {
      const never: never = o.source;
      throw new Error(`unknown camera source ${String(never)}`);
    }
  }
}
