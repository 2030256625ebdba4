// Table tests for the camera pipeline descriptions.
import { describe, expect, it } from 'vitest';
import { buildCameraPipeline, framerate, imageFileName, quoteGstValue, type CameraPipelineOptions } from '../../../agent/core/camera/cameraPipeline.ts';

const size = { fps: 5, width: 640, height: 480 } as const;
const tail = (o: { paced?: boolean; decode?: boolean; maxRate?: number } = {}): string =>
  `videorate name=rate drop-only=true max-rate=${o.maxRate ?? 5}` +
  (o.paced === true ? ' ! clocksync' : '') +
  ' ! valve name=gate drop=true drop-mode=forward-sticky-events' +
  (o.decode === true ? ' ! decodebin' : '') +
  ' ! videoconvert ! videoscale ! video/x-raw,format=RGB,width=640,height=480,pixel-aspect-ratio=1/1' +
  ' ! appsink name=sink max-buffers=1 drop=true sync=false async=false';
const rawOrJpeg = 'decodebin caps="video/x-raw(ANY);image/jpeg"';

describe('buildCameraPipeline', () => {
  const cases: Array<[string, CameraPipelineOptions, string]> = [
    ['test source', { source: 'test', ...size }, `videotestsrc is-live=true ! video/x-raw,framerate=5/1 ! ${tail()}`],
    [
      'folder of numbered JPEGs',
      { source: 'file', fileKind: 'images', path: '/tmp/links/', ...size },
      `multifilesrc location="/tmp/links/%05d.jpg" index=0 loop=true caps=image/jpeg,framerate=5/1 ! jpegdec ! ${tail({ paced: true })}`,
    ],
    [
      'folder with a percent sign and quotes',
      { source: 'file', fileKind: 'images', path: '/tmp/50% "off"', ...size },
      `multifilesrc location="/tmp/50%% \\"off\\"/%05d.jpg" index=0 loop=true caps=image/jpeg,framerate=5/1 ! jpegdec ! ${tail({ paced: true })}`,
    ],
    [
      'video file',
      { source: 'file', fileKind: 'video', path: '/data/drive one.mp4', ...size },
      `filesrc location="/data/drive one.mp4" ! decodebin ! videorate ! video/x-raw,framerate=5/1 ! ${tail({ paced: true })}`,
    ],
    [
      'v4l2 device',
      { source: 'v4l2', device: '/dev/video0', ...size },
      `v4l2src device="/dev/video0" ! ${rawOrJpeg} ! ${tail({ decode: true })}`,
    ],
    [
      'rtsp camera with default latency',
      { source: 'rtsp', url: 'rtsp://cam.local:554/stream?a=1&b=2', ...size },
      `rtspsrc location="rtsp://cam.local:554/stream?a=1&b=2" latency=200 ! ${rawOrJpeg} ! ${tail({ decode: true })}`,
    ],
    [
      'rtsp camera with set latency',
      { source: 'rtsp', url: 'rtsp://cam/x', rtspLatencyMs: 0, ...size },
      `rtspsrc location="rtsp://cam/x" latency=0 ! ${rawOrJpeg} ! ${tail({ decode: true })}`,
    ],
    [
      'rtsp camera with a chosen hardware decoder',
      { source: 'rtsp', url: 'rtsp://cam/x', decoder: ' rtph264depay ! h264parse !  v4l2h264dec capture-io-mode=4', ...size },
      `rtspsrc location="rtsp://cam/x" latency=200 ! rtph264depay ! h264parse ! v4l2h264dec capture-io-mode=4 ! ${tail({ decode: true })}`,
    ],
    ['live source capped at a fraction of a frame per second', { source: 'test', ...size, fps: 0.5 }, `videotestsrc is-live=true ! video/x-raw,framerate=1/2 ! ${tail({ maxRate: 1 })}`],
  ];
  it.each(cases)('%s', (_name, options, expected) => {
    expect(buildCameraPipeline(options)).toBe(expected);
  });

  const bad: Array<[string, CameraPipelineOptions, RegExp]> = [
    ['file without path', { source: 'file', fileKind: 'images', ...size }, /needs path/],
    ['file without kind', { source: 'file', path: '/x', ...size }, /fileKind/],
    ['v4l2 without device', { source: 'v4l2', ...size }, /needs device/],
    ['rtsp without url', { source: 'rtsp', url: ' ', ...size }, /needs url/],
    ['zero width', { source: 'test', ...size, width: 0 }, /width/],
    ['zero fps', { source: 'test', ...size, fps: 0 }, /fps/],
    ['infinite fps', { source: 'test', ...size, fps: Infinity }, /fps/],
    ['negative latency', { source: 'rtsp', url: 'rtsp://x', rtspLatencyMs: -1, ...size }, /latency/],
    ['a decoder that writes a file', { source: 'rtsp', url: 'rtsp://x', decoder: 'filesink location=/tmp/x', ...size }, /decoder/],
    ['a decoder with a second branch', { source: 'rtsp', url: 'rtsp://x', decoder: 'avdec_h264 name=d d. ! queue', ...size }, /decoder/],
    ['an empty decoder', { source: 'v4l2', device: '/dev/video0', decoder: ' ', ...size }, /decoder/],
    ['newline in a path', { source: 'file', fileKind: 'video', path: '/a\n! filesink location=/x', ...size }, /control/],
  ];
  it.each(bad)('refuses %s', (_name, options, error) => {
    expect(() => buildCameraPipeline(options)).toThrow(error);
  });
});

describe('quoteGstValue and imageFileName', () => {
  it.each([
    ['/plain/path', '"/plain/path"'],
    ['with "quote"', '"with \\"quote\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['a ! b', '"a ! b"'],
  ])('quotes %s', (value, quoted) => {
    expect(quoteGstValue(value)).toBe(quoted);
  });

  it.each([
    [5, '5/1'],
    [0.5, '1/2'],
    [2.5, '5/2'],
    [1 / 3, '333/1000'],
  ])('writes %s fps as %s', (fps, rate) => {
    expect(framerate(fps)).toBe(rate);
  });

  it('numbers images with five digits', () => {
    expect(imageFileName(0)).toBe('00000.jpg');
    expect(imageFileName(123)).toBe('00123.jpg');
  });
});
