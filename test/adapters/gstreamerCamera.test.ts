// The GStreamer camera against real pipelines: videotestsrc, a folder of JPEGs of mixed sizes, and sources that fail.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { GstreamerCamera, type GstreamerCameraOptions } from '../../agent/adapters/gstreamerCamera.ts';
import { packRgb } from '../../agent/adapters/rgbFrame.ts';
import type { Frame } from '../../agent/ports/frame.ts';

const logger = pino({ level: 'silent' });
const cameras: GstreamerCamera[] = [];

function camera(options: GstreamerCameraOptions): GstreamerCamera {
  const c = new GstreamerCamera(options, logger);
  cameras.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(cameras.splice(0).map((c) => c.stop()));
});

function meanRgb(frame: Frame): [number, number, number] {
  const sum = [0, 0, 0];
  for (let i = 0; i < frame.data.length; i += 3) {
    sum[0]! += frame.data[i]!;
    sum[1]! += frame.data[i + 1]!;
    sum[2]! += frame.data[i + 2]!;
  }
  const n = frame.data.length / 3;
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

/** The camera's folders of numbered links that point into `imagesDir` (other tests' cameras may run meanwhile). */
async function linkDirsInto(imagesDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of (await readdir(tmpdir())).filter((n) => n.startsWith('tilsyn-camera-'))) {
    const links = await readdir(join(tmpdir(), name)).catch(() => [] as string[]);
    const target = links[0] === undefined ? '' : await readlink(join(tmpdir(), name, links[0])).catch(() => '');
    if (target.startsWith(imagesDir)) found.push(name);
  }
  return found;
}

describe('GstreamerCamera with videotestsrc', () => {
  it('grabs packed RGB frames of the configured size', async () => {
    const cam = camera({ source: 'test', fps: 30, width: 320, height: 240 });
    await cam.start(new AbortController().signal);
    const frame = await cam.grab(5000);
    expect(frame.width).toBe(320);
    expect(frame.height).toBe(240);
    expect(frame.data.length).toBe(320 * 240 * 3);
    expect(Math.abs(frame.capturedAtMs - Date.now())).toBeLessThan(2000);
  });

  it('converts only the frames it is asked for, while it counts every frame the source delivers', async () => {
    const cam = camera({ source: 'test', fps: 30, width: 320, height: 240 });
    await cam.start(new AbortController().signal);
    await new Promise((r) => setTimeout(r, 1500));
    const idle = cam.counts();
    expect(idle.delivered).toBeGreaterThan(10);
    expect(idle.converted).toBe(0);
    expect(cam.condition().state).toBe('running');
    const asked = Date.now();
    const frame = await cam.grab(5000);
    // A frame taken after the ask, never an older stored one.
    expect(frame.capturedAtMs).toBeGreaterThanOrEqual(asked);
    await new Promise((r) => setTimeout(r, 1000));
    const after = cam.counts();
    expect(after.delivered).toBeGreaterThan(idle.delivered + 10);
    // The valve closes once the frame is handed over: at most one more frame slips through on a loaded machine.
    expect(after.converted).toBeGreaterThanOrEqual(1);
    expect(after.converted).toBeLessThanOrEqual(3);
  });

  it('packs rows when the width is not a multiple of 4', async () => {
    const cam = camera({ source: 'test', fps: 30, width: 322, height: 10 });
    await cam.start(new AbortController().signal);
    const frame = await cam.grab(5000);
    expect(frame.data.length).toBe(322 * 10 * 3);
  });

  it('starts again after stop', async () => {
    const cam = camera({ source: 'test', fps: 30, width: 160, height: 120 });
    await cam.start(new AbortController().signal);
    await cam.grab(5000);
    await cam.stop();
    await expect(cam.grab(100)).rejects.toThrow(/not started/);
    await cam.start(new AbortController().signal);
    const frame = await cam.grab(5000);
    expect(frame.data.length).toBe(160 * 120 * 3);
  });

  it('stops when the start signal is aborted', async () => {
    const cam = camera({ source: 'test', fps: 30, width: 160, height: 120 });
    const ac = new AbortController();
    await cam.start(ac.signal);
    await cam.grab(5000);
    ac.abort();
    await new Promise((r) => setTimeout(r, 50));
    await expect(cam.grab(100)).rejects.toThrow(/not started/);
  });

  it('throws on invalid options at start', async () => {
    const cam = camera({ source: 'file', fps: 5, width: 320, height: 240 });
    await expect(cam.start(new AbortController().signal)).rejects.toThrow(/needs path/);
  });
});

describe('GstreamerCamera with a folder of JPEGs', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tilsyn-jpegs-'));
    // Two self-made images of different sizes and colours; names are not numbered on purpose.
    const red = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 230, g: 20, b: 20 } } })
      .jpeg()
      .toBuffer();
    const blue = await sharp({ create: { width: 200, height: 150, channels: 3, background: { r: 20, g: 20, b: 230 } } })
      .jpeg()
      .toBuffer();
    await writeFile(join(dir, 'b-street.jpg'), blue);
    await writeFile(join(dir, 'a-corner.JPG'), red);
    await writeFile(join(dir, 'notes.txt'), 'not an image');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loops the images at the configured size, showing both', async () => {
    expect(await linkDirsInto(dir)).toEqual([]);
    const cam = camera({ source: 'file', path: dir, fps: 10, width: 320, height: 240 });
    await cam.start(new AbortController().signal);
    expect(await linkDirsInto(dir)).toHaveLength(1);
    const seen = new Set<string>();
    const deadline = Date.now() + 8000;
    while (seen.size < 2 && Date.now() < deadline) {
      const frame = await cam.grab(3000);
      expect(frame.width).toBe(320);
      expect(frame.height).toBe(240);
      expect(frame.data.length).toBe(320 * 240 * 3);
      const [r, , b] = meanRgb(frame);
      if (r > 180 && b < 70) seen.add('red');
      if (b > 180 && r < 70) seen.add('blue');
      await new Promise((res) => setTimeout(res, 60));
    }
    expect([...seen].sort()).toEqual(['blue', 'red']);
    await cam.stop();
    expect(await linkDirsInto(dir)).toEqual([]);
  });

  it('rejects grab with a clear error for a folder that does not exist', async () => {
    const cam = camera({ source: 'file', path: join(dir, 'missing'), fps: 5, width: 320, height: 240 });
    await cam.start(new AbortController().signal);
    await expect(cam.grab(2000)).rejects.toThrow(/camera source cannot be opened: .*no such file/i);
  });

  it('rejects grab with a clear error for a folder without JPEGs', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'tilsyn-empty-'));
    try {
      const cam = camera({ source: 'file', path: empty, fps: 5, width: 320, height: 240 });
      await cam.start(new AbortController().signal);
      await expect(cam.grab(2000)).rejects.toThrow(/no \.jpg images/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('GstreamerCamera with a video file', () => {
  it('plays a short clip again and again like a live camera', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tilsyn-clip-'));
    try {
      const clip = join(dir, 'half second.avi');
      // Half a second of MJPEG in AVI: only plugins from gst-plugins-good are needed.
      await promisify(execFile)('gst-launch-1.0', [
        '-q',
        'videotestsrc', 'num-buffers=5', '!', 'video/x-raw,width=200,height=100,framerate=10/1',
        '!', 'jpegenc', '!', 'avimux', '!', 'filesink', `location=${clip}`,
      ]);
      const cam = camera({ source: 'file', path: clip, fps: 10, width: 320, height: 240 });
      await cam.start(new AbortController().signal);
      const frames = new Set<Frame>();
      const t0 = Date.now();
      while (Date.now() - t0 < 1600) {
        const frame = await cam.grab(2000);
        expect(frame.data.length).toBe(320 * 240 * 3);
        frames.add(frame);
        await new Promise((r) => setTimeout(r, 20));
      }
      // 1.6 s at 10 fps from a 0.5 s clip: it must have looped at least twice.
      expect(frames.size).toBeGreaterThanOrEqual(12);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('GstreamerCamera with a source that cannot start', () => {
  it('rejects a pending grab within its timeout for a missing V4L2 device, and can start again', async () => {
    const cam = camera({ source: 'v4l2', device: '/dev/video-nonexistent', fps: 5, width: 320, height: 240, watchdogMs: 1500 });
    await cam.start(new AbortController().signal);
    const t0 = Date.now();
    await expect(cam.grab(3000)).rejects.toThrow(/camera pipeline \(v4l2 device \/dev\/video-nonexistent\) failed to start/);
    expect(Date.now() - t0).toBeLessThan(3000);
    await cam.stop();
    await cam.start(new AbortController().signal);
    await expect(cam.grab(3000)).rejects.toThrow(/camera/);
  });

  it('rejects for an RTSP camera that cannot be reached', async () => {
    const cam = camera({ source: 'rtsp', url: 'rtsp://user:secret@127.0.0.1:1/none', fps: 5, width: 320, height: 240, watchdogMs: 1000 });
    await cam.start(new AbortController().signal);
    const error = await cam.grab(3000).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/camera \(rtsp rtsp:\/\/\*\*\*@127\.0\.0\.1:1\/none\) produced no frame/);
    expect(error?.message).not.toContain('secret');
  });
});

describe('packRgb', () => {
  it('keeps packed buffers and strips row padding', () => {
    const packed = Buffer.alloc(4 * 2 * 3);
    expect(packRgb(packed, 4, 2)).toBe(packed);
    // width 2: rows of 6 bytes padded to 8
    const padded = Buffer.from([1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0]);
    expect([...packRgb(padded, 2, 2)!]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(packRgb(Buffer.alloc(5), 2, 2)).toBeUndefined();
  });
});
