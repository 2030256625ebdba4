// The notify messages systemd relies on (READY, WATCHDOG, STOPPING) arrive on a real unix datagram socket, in order.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemdNotifier } from '../../agent/adapters/systemdNotifier.ts';
import { WatchdogService } from '../../agent/services/watchdogService.ts';
import { testLogger } from '../support/logger.ts';
import { startNotifyListener, type NotifyListener } from '../support/notifySocket.ts';

describe('SystemdNotifier', () => {
  let listener: NotifyListener;
  beforeEach(async () => {
    listener = await startNotifyListener();
  });
  afterEach(async () => {
    await listener.stop();
  });

  it('sends READY, WATCHDOG and STOPPING to $NOTIFY_SOCKET in order', async () => {
    const notifier = new SystemdNotifier({ NOTIFY_SOCKET: listener.socketPath }, testLogger);
    expect(notifier.enabled).toBe(true);
    await notifier.ready('running as bus-1');
    await notifier.watchdog();
    await notifier.stopping();
    const ours = listener.messages.filter((m) => m !== 'BARRIER=1');
    expect(ours).toEqual(['READY=1\nSTATUS=running as bus-1', 'WATCHDOG=1', 'STOPPING=1']);
  }, 30_000);

  it('is a no-op outside systemd and never rejects when the socket is gone', async () => {
    const outside = new SystemdNotifier({}, testLogger);
    expect(outside.enabled).toBe(false);
    expect(outside.watchdogIntervalMs).toBeNull();
    await outside.ready();
    const broken = new SystemdNotifier({ NOTIFY_SOCKET: `${listener.socketPath}.missing` }, testLogger);
    await expect(broken.ready()).resolves.toBeUndefined();
    expect(listener.messages).toEqual([]);
  }, 30_000);

  it('refuses a message that would break the protocol (newline inside a value)', () => {
    const notifier = new SystemdNotifier({ NOTIFY_SOCKET: listener.socketPath }, testLogger);
    expect(() => notifier.send(['STATUS=a\nREADY=1'])).toThrow(/not a notify assignment/);
  });

  it('pings the watchdog at half of WatchdogSec, only when armed for this process and healthy', async () => {
    const env = { NOTIFY_SOCKET: listener.socketPath, WATCHDOG_USEC: '400000', WATCHDOG_PID: String(process.pid) };
    expect(new SystemdNotifier(env, testLogger).watchdogIntervalMs).toBe(200);
    expect(new SystemdNotifier({ ...env, WATCHDOG_PID: '1' }, testLogger).watchdogIntervalMs).toBeNull();

    let healthy = false;
    const service = new WatchdogService(new SystemdNotifier(env, testLogger), () => healthy, testLogger);
    await service.start();
    try {
      await new Promise((r) => setTimeout(r, 700));
      expect(listener.messages.filter((m) => m === 'WATCHDOG=1')).toEqual([]);
      healthy = true;
      await listener.waitFor((m) => m.filter((x) => x === 'WATCHDOG=1').length >= 2, 20_000);
    } finally {
      await service.stop();
    }
  }, 30_000);
});
