// Doctor: the MQTT broker accepts this vehicle's connection (TLS and credentials as configured).
import { withoutCredentials } from '../../core/transport/urls.ts';
import mqtt from 'mqtt';
import { within, type CheckContext, type CheckResult } from './check.ts';

export async function checkBroker({ config, timeoutMs }: CheckContext): Promise<CheckResult> {
  const url = withoutCredentials(config.mqtt.url);
  const client = mqtt.connect(config.mqtt.url, {
    clientId: `${config.vehicleId}-doctor`,
    connectTimeout: timeoutMs,
    reconnectPeriod: 0,
    ...(config.mqtt.username !== undefined ? { username: config.mqtt.username } : {}),
    ...(config.mqtt.password !== undefined ? { password: config.mqtt.password } : {}),
  });
  try {
    await within(
      new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
        client.once('close', () => reject(new Error('connection closed')));
      }),
      timeoutMs,
      'no answer',
    );
    return { name: 'broker', status: 'ok', detail: `${url}: connected` };
  } catch (err) {
    const e = err as Error & { code?: string };
    return { name: 'broker', status: 'fail', detail: `${url}: ${e.code ?? e.message}` };
  } finally {
    client.end(true);
  }
}
