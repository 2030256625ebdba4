// A metrics port another process holds does not stop the agent: start resolves, the health says why.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsServer } from '../../agent/adapters/metricsServer.ts';
import { testLogger } from '../support/logger.ts';
import { statusReportFor } from '../support/statusParts.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe('MetricsServer on a port that is taken', () => {
  it('starts anyway, and the status is degraded naming the port', async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    stops.push(() => new Promise<void>((r) => squatter.close(() => r())));
    const port = (squatter.address() as net.AddressInfo).port;
    const metrics = new MetricsServer({ port }, { contentType: 'text/plain', text: async () => '' }, testLogger);
    await metrics.start();
    stops.push(() => metrics.stop());
    expect(metrics.error).toBe(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    const status = statusReportFor({ metricsError: () => metrics.error }).collect();
    expect(status.health).toBe('degraded');
    expect(status.reasons).toEqual([`metrics endpoint not served: cannot listen on 127.0.0.1:${port}: EADDRINUSE`]);

    const free = new MetricsServer({ port: 0 }, { contentType: 'text/plain', text: async () => 'x 1\n' }, testLogger);
    await free.start();
    stops.push(() => free.stop());
    expect(free.error).toBeNull();
    expect(await (await fetch(`http://127.0.0.1:${free.port}/metrics`)).text()).toBe('x 1\n');
  });
});
