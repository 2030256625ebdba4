// gpsd going away and coming back, with a real gpsd fed by gpsfake: the status says degraded ("gpsd unreachable")
// while it is gone, the client reconnects by itself, and fixes and an ok status return.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GpsdClient } from '../../agent/adapters/gpsdClient.ts';
import { statusSchema } from '../../agent/core/tasks/messages.ts';
import { systemClock } from '../../agent/ports/clock.ts';
import { GpsMonitor } from '../../agent/services/gpsMonitor.ts';
import { startGpsfake } from '../support/gpsd.ts';
import { testLogger } from '../support/logger.ts';
import { statusReportFor } from '../support/statusParts.ts';
import { eventually } from '../support/taskAgent.ts';

const nmea = path.join(new URL('../..', import.meta.url).pathname, 'fixtures/gps/short-drive.nmea');
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe('GpsMonitor over a real gpsd', () => {
  it('reports fix mode, age and error; degraded while gpsd is gone; ok again once it is back', async () => {
    let gpsd = await startGpsfake(nmea);
    stops.push(() => gpsd.stop());
    const client = new GpsdClient({ port: gpsd.port, reconnectMinMs: 100, reconnectMaxMs: 500 }, testLogger);
    const monitor = new GpsMonitor(client, systemClock);
    await monitor.start();
    await client.start(new AbortController().signal);
    stops.push(async () => {
      await client.stop();
      await monitor.stop();
    });
    const report = statusReportFor({ gps: () => monitor.condition() }, { noFixMs: 60_000, minFreeBytes: 0 });

    await eventually(() => expect(monitor.condition()).toMatchObject({ connected: true, mode: 3 }), 30_000);
    const ok = report.collect();
    expect(statusSchema.safeParse(ok).success).toBe(true);
    expect(ok).toMatchObject({ health: 'ok', reasons: [], gps: { connected: true, mode: 3 } });
    expect(ok.gps!.fixAgeS).toBeLessThan(5);

    await gpsd.stop();
    await eventually(() => expect(report.collect()).toMatchObject({ health: 'degraded', reasons: ['gpsd unreachable'], gps: { connected: false } }), 20_000);

    gpsd = await startGpsfake(nmea, { port: gpsd.port });
    await eventually(() => expect(report.collect()).toMatchObject({ health: 'ok', reasons: [], gps: { connected: true } }), 30_000);
    // Fresh fixes, not the last one from before the outage.
    await eventually(() => expect(monitor.condition().fixAgeMs).toBeLessThan(2_000), 10_000);
  }, 120_000);
});
