// The sensors' part of the configuration: where positions come from (gpsd or a replayed NMEA file) and the camera.
import { z } from 'zod';
import { checkDecoderChain } from '../core/camera/cameraPipeline.ts';

const gpsd = z
  .strictObject({
    source: z.literal('gpsd'),
    host: z.string().min(1).default('127.0.0.1').describe('gpsd host'),
    port: z.int().min(1).max(65535).default(2947).describe('gpsd TCP port'),
  })
  .describe('Live position from a gpsd daemon');

const nmeaFile = z
  .strictObject({
    source: z.literal('nmea-file'),
    path: z.string().min(1).describe('NMEA 0183 log to replay as if it were a live receiver'),
    speed: z.number().positive().max(1000).default(1).describe('Replay speed multiplier (1 = real time)'),
    loop: z.boolean().default(false).describe('Start again at the end of the file'),
  })
  .describe('Position replayed from an NMEA file (demo, tests)');

const cameraCommon = {
  fps: z.number().positive().max(120).default(5).describe('Frames per second the camera delivers'),
  width: z.int().min(16).max(8192).default(1920).describe('Frame width in pixels handed to detection'),
  height: z.int().min(16).max(8192).default(1080).describe('Frame height in pixels handed to detection'),
  grabTimeoutMs: z.int().positive().default(3000).describe('How long a capture waits for a frame before giving up'),
  armDistanceM: z.number().positive().default(150).describe('The camera runs only while an active task area is this close'),
  armSeconds: z.number().nonnegative().default(10).describe('… or reachable within this many seconds at the current speed'),
  watchdogMs: z
    .int()
    .min(100)
    .optional()
    .describe('A running camera that delivers no frame for this long is restarted, with backoff; default 5000 or 3 frame intervals'),
  headingOffsetDeg: z
    .number()
    .min(-180)
    .max(360)
    .default(0)
    .describe("Direction of the lens relative to the vehicle's heading, degrees clockwise: 0 = forward, 90 = right, -90 = left"),
  fovDeg: z
    .number()
    .min(1)
    .max(360)
    .default(90)
    .describe(
      "Horizontal opening angle of the camera, degrees (the vertical one follows from it and the frame's aspect: square pixels; above 150, a fisheye or 360° lens, the redaction searches its fixed rows instead of rows from the geometry)",
    ),
  mountHeightM: z
    .number()
    .min(0.2)
    .max(6)
    .default(1.4)
    .describe(
      "Height of the lens above the road, metres (a car's windscreen ~1.2–1.4, a van's ~1.8–2.2, a truck cab ~2.5): with pitchDeg it places the horizon and the rows where faces and plates can lie, which the redaction searches",
    ),
  pitchDeg: z
    .number()
    .min(-45)
    .max(45)
    .default(0)
    .describe('Tilt of the camera, degrees: 0 = level (the horizon across the middle of the frame), positive = looking down (the horizon higher in the frame)'),
  rangeM: z.number().positive().max(1000).default(30).describe('A point target farther away than this is too small in the frame to count as seen, metres'),
};

function isDecoderChain(value: string): boolean {
  try {
    checkDecoderChain(value);
    return true;
  } catch {
    return false;
  }
}

const cameraDecoder = z
  .string()
  .min(1)
  .max(300)
  .refine(isDecoderChain, 'GStreamer elements with plain key=value properties joined by "!", e.g. "rtph264depay ! h264parse ! v4l2h264dec"')
  .optional()
  .describe(
    'GStreamer chain from the source to raw video or JPEG, e.g. "rtph264depay ! h264parse ! v4l2h264dec"; default: decodebin, which takes the highest-ranked decoder installed (a hardware one where the platform has it; see docs/camera.md)',
  );

export const cameraSchema = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('v4l2'),
    device: z.string().default('/dev/video0').describe('V4L2 device'),
    decoder: cameraDecoder,
    ...cameraCommon,
  }),
  z.strictObject({ source: z.literal('rtsp'), url: z.string().min(1).describe('RTSP URL of an IP camera'), decoder: cameraDecoder, ...cameraCommon }),
  z.strictObject({
    source: z.literal('file'),
    path: z.string().min(1).describe('A video file or a folder of JPEGs, played like a live camera: real time, looping'),
    ...cameraCommon,
  }),
  z.strictObject({ source: z.literal('test'), ...cameraCommon }),
]);

export const gpsSchema = z.discriminatedUnion('source', [gpsd, nmeaFile]);
