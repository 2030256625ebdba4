// Builds the GStreamer pipeline description for a camera source: frames stay in the camera's own format (raw or JPEG)
// up to a valve; only the frames let through for a grab are decoded and converted to RGB for the appsink.

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
  /**
   * For v4l2 and rtsp: the GStreamer chain from the source's output to raw video or JPEG, e.g.
   * `rtph264depay ! h264parse ! v4l2h264dec`. Default: decodebin, which takes the highest-ranked decoder the
   * platform has (a hardware one where its plugin is installed) and leaves JPEG undecoded.
   */
  readonly decoder?: string;
  /** Jitter buffer for RTSP in ms; default 200. */
  readonly rtspLatencyMs?: number;
  /**
   * Frames per second delivered by replayed sources (images, video, test); fractions allowed (0.5 = one every 2 s).
   * Live sources are capped to it (rounded up to a whole number) by dropping frames.
   */
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

/** Name of the videorate element that caps the frame rate; its `in` counter tells the watchdog that frames arrive. */
export const CAMERA_RATE_NAME = 'rate';
/** Name of the valve that lets a frame through to the conversion only while a grab waits for one. */
export const CAMERA_GATE_NAME = 'gate';

/** Stops the first decodebin at raw video or at JPEG: an MJPEG camera's frames stay JPEG until one is pulled. */
const DECODE_TO_RAW_OR_JPEG = 'decodebin caps="video/x-raw(ANY);image/jpeg"';

/**
 * A decoder chain from the configuration (e.g. `rtph264depay ! h264parse ! v4l2h264dec`): element names and
 * plain `key=value` properties joined by `!`, nothing that could name a file or a second branch.
 */
export function checkDecoderChain(chain: string): string {
  const trimmed = chain.trim();
  const element = /^[a-z][a-z0-9_-]*( [a-z][a-z0-9_-]*=[A-Za-z0-9_.:/-]+)*$/;
  const parts = trimmed.split('!').map((part) => part.trim());
  if (trimmed === '' || parts.some((part) => !element.test(part)) || parts.some((part) => /(^|\s)(location|device)=/.test(part))) {
    throw new Error(`camera decoder must be GStreamer elements joined by "!" (e.g. "rtph264depay ! h264parse ! v4l2h264dec"), got "${chain}"`);
  }
  return parts.join(' ! ');
}

/**
 * Everything after the source's own format: the rate cap (drop-only), real-time pacing for replayed sources, the
 * valve that is open only while a frame is wanted, then decoding (JPEG) and conversion to packed RGB at the
 * configured size — run only for the frames let through. Square pixels: another shape is letterboxed, not stretched.
 */
function tail(o: CameraPipelineOptions, opts: { paced: boolean; decodeAfterGate: string | null }): string {
  const maxRate = Math.max(1, Math.ceil(o.fps));
  return (
    `videorate name=${CAMERA_RATE_NAME} drop-only=true max-rate=${maxRate}` +
    (opts.paced ? ' ! clocksync' : '') +
    ` ! valve name=${CAMERA_GATE_NAME} drop=true drop-mode=forward-sticky-events` +
    (opts.decodeAfterGate === null ? '' : ` ! ${opts.decodeAfterGate}`) +
    ` ! videoconvert ! videoscale ! video/x-raw,format=RGB,width=${o.width},height=${o.height},pixel-aspect-ratio=1/1` +
    // async=false: the sink never waits for a first buffer (the valve holds them back), so the pipeline plays at once.
    ` ! appsink name=${CAMERA_SINK_NAME} max-buffers=1 drop=true sync=false async=false`
  );
}

export function buildCameraPipeline(o: CameraPipelineOptions): string {
  requirePositiveInt('width', o.width);
  requirePositiveInt('height', o.height);
  const rate = framerate(o.fps);
  const decode = o.decoder === undefined ? DECODE_TO_RAW_OR_JPEG : checkDecoderChain(o.decoder);
  // After the gate decodebin passes raw video through and decodes a JPEG (MJPEG cameras), the pulled frame only.
  const afterGate = 'decodebin';
  switch (o.source) {
    case 'test':
      return `videotestsrc is-live=true ! video/x-raw,framerate=${rate} ! ${tail(o, { paced: false, decodeAfterGate: null })}`;
    case 'file': {
      const path = requireString('path', o.path, o.source);
      if (o.fileKind === 'images') {
        // multifilesrc's location is a printf pattern: a literal % in the folder must be doubled.
        const dir = path.replace(/\/+$/, '').replace(/%/g, '%%');
        const pattern = `${dir}/%0${IMAGE_INDEX_DIGITS}d.jpg`;
        // clocksync paces the images at fps in real time, like a live camera. They are decoded before the gate:
        // multifilesrc's byte segments give the rate cap nothing to count until jpegdec has stamped them (demo source).
        return (
          `multifilesrc location=${quoteGstValue(pattern)} index=0 loop=true caps=image/jpeg,framerate=${rate}` +
          ` ! jpegdec ! ${tail(o, { paced: true, decodeAfterGate: null })}`
        );
      }
      if (o.fileKind === 'video') {
        return (
          `filesrc location=${quoteGstValue(path)} ! decodebin ! videorate ! video/x-raw,framerate=${rate}` +
          ` ! ${tail(o, { paced: true, decodeAfterGate: null })}`
        );
      }
      throw new Error(`camera source 'file' needs fileKind 'images' or 'video'`);
    }
    case 'v4l2': {
      const device = requireString('device', o.device, o.source);
      return `v4l2src device=${quoteGstValue(device)} ! ${decode} ! ${tail(o, { paced: false, decodeAfterGate: afterGate })}`;
    }
    case 'rtsp': {
      const url = requireString('url', o.url, o.source);
      const latencyMs = o.rtspLatencyMs ?? 200;
      if (!Number.isInteger(latencyMs) || latencyMs < 0) throw new Error(`rtsp latency must be ≥ 0 ms, got ${latencyMs}`);
      return (
        `rtspsrc location=${quoteGstValue(url)} latency=${latencyMs} ! ${decode}` +
        ` ! ${tail(o, { paced: false, decodeAfterGate: afterGate })}`
      );
    }
    default: {
      const never: never = o.source;
      throw new Error(`unknown camera source ${String(never)}`);
    }
  }
}
