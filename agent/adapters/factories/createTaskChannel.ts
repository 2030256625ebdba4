// The MQTT task channel and its client options from the config (mqtt.*, fleetId, vehicleId): the agent and the
// doctor connect with the same URL, TLS files, credentials and protocol version.
import type { IClientOptions } from 'mqtt';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.ts';
import { mqttConnectOptions, type MqttTaskChannelOptions } from '../mqttConnectOptions.ts';
import { MqttTaskChannel } from '../mqttTaskChannel.ts';

type MqttConfig = Pick<Config, 'mqtt' | 'fleetId' | 'vehicleId'> & { readonly tasks?: Pick<Config['tasks'], 'maxBytes' | 'sync'> };

export function mqttChannelOptions(config: MqttConfig): MqttTaskChannelOptions {
  const m = config.mqtt;
  return {
    url: m.url,
    prefix: m.topicPrefix,
    fleetId: config.fleetId,
    vehicleId: config.vehicleId,
    ...(m.username !== undefined ? { username: m.username } : {}),
    ...(m.password !== undefined ? { password: m.password } : {}),
    ...(m.caFile !== undefined ? { caFile: m.caFile } : {}),
    ...(m.certFile !== undefined ? { certFile: m.certFile } : {}),
    ...(m.keyFile !== undefined ? { keyFile: m.keyFile } : {}),
    ...(m.clientId !== undefined ? { clientId: m.clientId } : {}),
    protocolVersion: m.protocolVersion,
    sessionExpiryS: m.sessionExpiryS,
    // The largest message the agent takes: a task, or the manifest (which lists every task of its scope).
    ...(config.tasks !== undefined ? { maxPayloadBytes: Math.max(config.tasks.maxBytes, config.tasks.sync.maxManifestBytes) } : {}),
  };
}

/** The options the agent's MQTT client connects with (TLS files read; an unreadable one names its mqtt.* key). */
export function mqttClientOptions(config: MqttConfig): Promise<IClientOptions> {
  return mqttConnectOptions(mqttChannelOptions(config));
}

/**
 * The agent's options for a short check beside a running agent: the same TLS, credentials and protocol, but its own
 * client id (the agent's would push the running agent off the broker), a clean session, no last will (a check that
 * ends does not make the vehicle "offline") and one attempt only.
 */
export async function mqttProbeOptions(config: MqttConfig, timeoutMs: number): Promise<IClientOptions> {
  const { will: _will, properties: _properties, ...agent } = await mqttClientOptions(config);
  return { ...agent, clientId: `${agent.clientId ?? config.vehicleId}-doctor`, clean: true, reconnectPeriod: 0, connectTimeout: timeoutMs };
}

/** The agent's channel: the task sync chooses its subscriptions (manifests, task topics in batches). */
export function createTaskChannel(config: MqttConfig, log: Logger): MqttTaskChannel {
  return new MqttTaskChannel({ ...mqttChannelOptions(config), managedSync: true }, log);
}
