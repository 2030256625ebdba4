// The systemd watchdog reflects a stuck main loop: while a model call hangs (the capture chain waits on it for ever)
// the WATCHDOG=1 pings stop, so systemd restarts the agent; a slow but returning call, or a failing camera, does not.
import { afterEach, describe, expect, it } from 'vitest';
import { SystemdNotifier } from '../../agent/adapters/systemdNotifier.ts';
import { systemClock } from '../../agent/ports/clock.ts';
import type { Detection, ObjectDetector } from '../../agent/ports/detector.ts';
import type { Frame } from '../../agent/ports/frame.ts';
import { InferenceTimes } from '../../agent/services/inferenceTimes.ts';
import { Liveness } from '../../agent/services/liveness.ts';
import { WatchdogService } from '../../agent/services/watchdogService.ts';
import { testLogger } from '../support/logger.ts';
import { startNotifyListener } from '../support/notifySocket.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

const frame: Frame = { data: Buffer.alloc(3 * 4 * 4), width: 4, height: 4, capturedAtMs: 0 };

/** A detector whose calls return only when the test says so. */
function heldDetector(): ObjectDetector & { release(): void } {
  let waiting: (() => void)[] = [];
  return {
    labels: ['car'],
    models: [],
    detect: () => new Promise<Detection[]>((resolve) => waiting.push(() => resolve([]))),
    release() {
      for (const w of waiting) w();
      waiting = [];
    },
  };
}

describe('watchdog liveness', () => {
  it('stops pinging systemd while an inference hangs past its limit, and pings again once it returns', async () => {
    const listener = await startNotifyListener();
    stops.push(() => listener.stop());
    const inference = new InferenceTimes(systemClock);
    const liveness = new Liveness({ maxInferenceMs: 2_000 }, () => inference.longestRunningMs(), testLogger);
    liveness.start();
    stops.push(async () => liveness.stop());
    // WatchdogSec=0.4 s → a ping every 200 ms.
    const notifier = new SystemdNotifier({ NOTIFY_SOCKET: listener.socketPath, WATCHDOG_USEC: '400000' }, testLogger);
    const watchdog = new WatchdogService(notifier, () => liveness.healthy(), testLogger);
    await watchdog.start();
    stops.push(() => watchdog.stop());
    const pings = () => listener.messages.filter((m) => m === 'WATCHDOG=1').length;

    await listener.waitFor(() => pings() >= 3, 20_000);

    const detector = heldDetector();
    const timed = inference.detector(detector);
    const call = timed.detect(frame);
    // Under the limit the call is only slow: pings go on.
    const before = pings();
    await listener.waitFor(() => pings() > before, 10_000);
    if (inference.longestRunningMs() < 2_000) expect(liveness.healthy()).toBe(true);

    // Past the limit: stuck. Let any ping already on its way land, then no more come.
    while (inference.longestRunningMs() <= 2_100) await new Promise((r) => setTimeout(r, 50));
    expect(liveness.healthy()).toBe(false);
    await new Promise((r) => setTimeout(r, 1_000));
    const whileStuck = pings();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(pings()).toBe(whileStuck);

    // It returns: alive again, pings resume, and its time counts towards the p95.
    detector.release();
    await call;
    expect(inference.longestRunningMs()).toBe(0);
    expect(inference.figures().detections).toBe(1);
    expect(inference.figures().detectP95Ms).toBeGreaterThan(2_000);
    await listener.waitFor(() => pings() > whileStuck, 10_000);
  }, 60_000);
});
