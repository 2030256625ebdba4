// The GStreamer camera against a real RTSP server (gst-rtsp-server, started by the test on a loopback port), once
// with H.264 and once with MJPEG over RTP: 1080p frames are pulled, a pulled frame shows the scene as it is now (not
// one held in a jitter buffer), and a server that goes away and comes back is recovered by the supervisor with
// backoff while the status says the camera is failing.
import { afterEach, describe, expect, it } from 'vitest';
import { GstreamerCamera } from '../../agent/adapters/gstreamerCamera.ts';
import { checkCamera } from '../../agent/cli/doctor/cameraCheck.ts';
import { parseConfig } from '../../agent/config/load.ts';
import { TEST_PUBLIC_KEY } from '../support/tasks.ts';
import { systemClock } from '../../agent/ports/clock.ts';
import type { Frame } from '../../agent/ports/frame.ts';
import { CameraSupervisor } from '../../agent/services/cameraSupervisor.ts';
import { startRtspServer, type RtspServer } from '../../tools/rtsp/rtspServer.ts';
import { freePort } from '../support/freePort.ts';
import { testLogger } from '../support/logger.ts';
import { statusReportFor } from '../support/statusParts.ts';
import { eventually } from '../support/taskAgent.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** videotestsrc patterns: the scene in front of the camera. */
const BLACK = 2;
const WHITE = 3;

/** 1080p at a low rate and bitrate: encoding 1080p30 live would take a whole core of this shared 2-core machine. */
const STREAM = { width: 1920, height: 1080, fps: 10, bitrateKbps: 1500 } as const;

function meanLuma(frame: Frame): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < frame.data.length; i += 3 * 97) {
    sum += (frame.data[i]! + frame.data[i + 1]! + frame.data[i + 2]!) / 3;
    n += 1;
  }
  return sum / n;
}

/**
 * For timing: a small stream, so that the test's own encoder keeps up on a loaded machine (a live encoder that falls
 * behind adds its backlog to every frame, which would be the server's delay, not the camera's).
 */
const SMALL_STREAM = { width: 640, height: 360, fps: 15, bitrateKbps: 800 } as const;

async function server(codec: 'h264' | 'mjpeg', port: number, pattern = BLACK, stream: typeof STREAM | typeof SMALL_STREAM = STREAM): Promise<RtspServer> {
  const s = await startRtspServer({ port, codec, pattern, ...stream }, 30_000);
  stops.push(() => s.stop());
  return s;
}

describe.each(['h264', 'mjpeg'] as const)('GstreamerCamera from a real RTSP server (%s)', (codec) => {
  it('pulls 1080p frames, converting only those it is asked for', async () => {
    const rtsp = await server(codec, await freePort());
    const camera = new GstreamerCamera({ source: 'rtsp', url: rtsp.url, fps: 5, width: 1920, height: 1080, watchdogMs: 10_000 }, testLogger);
    await camera.start(new AbortController().signal);
    stops.push(() => camera.stop());

    const first = await camera.grab(20_000);
    expect(first).toMatchObject({ width: 1920, height: 1080 });
    expect(first.data.length).toBe(1920 * 1080 * 3);
    expect(meanLuma(first)).toBeLessThan(40);

    // Armed without grabs, frames are counted but not converted.
    await new Promise((r) => setTimeout(r, 1_000));
    const { delivered, converted } = camera.counts();
    expect(delivered).toBeGreaterThan(converted);
  });

  it('pulls frames that show the scene as it is now, not one held in a buffer', async () => {
    const rtsp = await server(codec, await freePort(), BLACK, SMALL_STREAM);
    const camera = new GstreamerCamera({ source: 'rtsp', url: rtsp.url, fps: 15, width: 640, height: 360, watchdogMs: 10_000 }, testLogger);
    await camera.start(new AbortController().signal);
    stops.push(() => camera.stop());
    expect(meanLuma(await camera.grab(20_000))).toBeLessThan(40);
    await new Promise((r) => setTimeout(r, 1_000));

    // The scene changes: frames asked for from then on show the new scene within moments (encoding, sending and
    // decoding on a loaded machine), never an old frame held somewhere; each frame is dated when it arrived.
    await rtsp.setPattern(WHITE);
    const switchedAtMs = Date.now();
    let whiteAtMs: number | undefined;
    while (whiteAtMs === undefined && Date.now() - switchedAtMs < 10_000) {
      const askedAtMs = Date.now();
      const frame = await camera.grab(10_000);
      expect(frame.capturedAtMs).toBeGreaterThanOrEqual(askedAtMs);
      expect(frame.capturedAtMs - askedAtMs).toBeLessThan(2_000);
      if (meanLuma(frame) > 150) whiteAtMs = frame.capturedAtMs;
    }
    expect(whiteAtMs).toBeDefined();
    expect(whiteAtMs! - switchedAtMs).toBeLessThan(1_500);
  });

  it('is restarted with backoff while the server is away, the status saying so, and delivers again once it is back', async () => {
    const port = await freePort();
    let rtsp = await server(codec, port);
    const camera = new GstreamerCamera({ source: 'rtsp', url: rtsp.url, fps: 5, width: 1920, height: 1080, watchdogMs: 2_000 }, testLogger);
    const signal = new AbortController().signal;
    const restarter = {
      stats: () => ({ armed: true }),
      async restart() {
        await camera.stop();
        await camera.start(signal);
      },
    };
    const supervisor = new CameraSupervisor({ checkEveryMs: 100, backoff: { minMs: 500, maxMs: 2_000 } }, camera, restarter, systemClock, testLogger);
    const report = statusReportFor({
      camera: () => camera.condition(),
      arming: () => ({ armed: true, starts: 1, onMs: 0 }),
      supervisor: () => supervisor.stats,
    });
    await camera.start(signal);
    stops.push(() => camera.stop());
    await supervisor.start();
    stops.push(() => supervisor.stop());
    await expect(camera.grab(20_000)).resolves.toMatchObject({ width: 1920, height: 1080 });
    await eventually(() => expect(report.collect()).toMatchObject({ health: 'ok', camera: { state: 'running' } }), 10_000);

    await rtsp.stop();
    await eventually(() => {
      const status = report.collect();
      expect(status.health).toBe('degraded');
      expect(status.reasons.join()).toMatch(/^camera failing: .*rtsp/);
    }, 30_000);
    await eventually(() => expect(supervisor.stats.restarts).toBeGreaterThanOrEqual(2), 30_000);
    expect(report.collect().camera?.restarts).toBeGreaterThanOrEqual(2);

    rtsp = await server(codec, port, WHITE);
    await eventually(() => expect(camera.condition().state).toBe('running'), 60_000);
    const frame = await camera.grab(10_000);
    expect(meanLuma(frame)).toBeGreaterThan(200);
    await eventually(() => expect(report.collect()).toMatchObject({ health: 'ok', reasons: [] }), 10_000);
    // The supervisor sees the camera deliver at its next look (a restart may still be winding down).
    await eventually(() => expect(supervisor.stats.failuresInRow).toBe(0), 10_000);
  });

  it('is checked by doctor the way the agent opens it', async () => {
    const port = await freePort();
    const rtsp = await server(codec, port);
    const config = parseConfig(
      {
        vehicleId: 'sweeper-07',
        fleetId: 'kbh',
        dataDir: '/tmp',
        gps: { source: 'gpsd' },
        mqtt: { url: 'mqtt://127.0.0.1:1883' },
        ingest: { url: 'http://127.0.0.1:8080', token: 'test-token' },
        tasks: { publicKeys: [TEST_PUBLIC_KEY] },
        camera: { source: 'rtsp', url: rtsp.url, fps: 5 },
      },
      'test.yaml',
      process.cwd(),
      {},
    );
    const ok = await checkCamera({ config, logger: testLogger, timeoutMs: 20_000 });
    expect(ok).toMatchObject({ name: 'camera', status: 'ok' });
    expect(ok.detail).toContain('1920×1080');
    await rtsp.stop();
    const down = await checkCamera({ config, logger: testLogger, timeoutMs: 3_000 });
    expect(down).toMatchObject({ name: 'camera', status: 'fail' });
    expect(down.detail).toContain(`127.0.0.1:${port}`);
  });
});
