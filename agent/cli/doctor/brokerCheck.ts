// Doctor: the MQTT broker accepts this vehicle's connection, with the agent's own client options (TLS files, client
// certificate, credentials, protocol version), as another client beside a running agent.
import mqtt from 'mqtt';
import { mqttProbeOptions } from '../../adapters/factories/createTaskChannel.ts';
import { credentialsHiddenIn, withoutCredentials } from '../../core/transport/urls.ts';
import { within, type CheckContext, type CheckResult } from './check.ts';

export async function checkBroker({ config, timeoutMs }: CheckContext): Promise<CheckResult> {
  const url = withoutCredentials(config.mqtt.url);
  let client: mqtt.MqttClient | undefined;
  try {
    client = mqtt.connect(config.mqtt.url, await mqttProbeOptions(config, timeoutMs));
    const connecting = client;
    await within(
      new Promise<void>((resolve, reject) => {
        connecting.once('connect', () => resolve());
        connecting.once('error', reject);
        connecting.once('close', () => reject(new Error('connection closed (refused: client certificate, credentials or TLS)')));
      }),
      timeoutMs,
      'no answer',
    );
    return { name: 'broker', status: 'ok', detail: `${url}: connected (MQTT ${config.mqtt.protocolVersion === 5 ? '5' : '3.1.1'})` };
  } catch (err) {
    const e = err as Error & { code?: string | number };
    return { name: 'broker', status: 'fail', detail: `${url}: ${credentialsHiddenIn(typeof e.code === 'string' ? e.code : e.message)}` };
  } finally {
    client?.end(true);
  }
}
