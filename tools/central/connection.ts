// The central side's MQTT connection: broker URL, TLS like the agent's (CA, client certificate), optional login.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export interface BrokerOptions {
  /** mqtt://, mqtts://, ws:// or wss:// */
  readonly url: string;
  /** Topic prefix, as the vehicles' mqtt.topicPrefix (default tilsyn/v1). */
  readonly prefix: string;
  /** PEM: the CA of the broker's certificate. */
  readonly caFile?: string;
  /** PEM: a client certificate and its key, for brokers that ask for mutual TLS. */
  readonly certFile?: string;
  readonly certKeyFile?: string;
  readonly username?: string;
  /** A file holding the password (never on the command line, where every local user can read it). */
  readonly passwordFile?: string;
  readonly clientId?: string;
  /** How long to wait for the broker to accept the connection. */
  readonly connectTimeoutMs?: number;
}

/** Largest packet taken from the broker: a manifest of 100,000 tasks fits. */
const MAX_PACKET_BYTES = 16 * 1024 * 1024;

async function fileOption(flag: string, name: string | undefined): Promise<Buffer | undefined> {
  if (name === undefined) return undefined;
  return readFile(name).catch((err: Error) => {
    throw new Error(`${flag}: cannot read ${name}: ${err.message}`);
  });
}

export async function connectOptions(o: BrokerOptions): Promise<IClientOptions> {
  const [ca, cert, key, password] = await Promise.all([
    fileOption('--ca-file', o.caFile),
    fileOption('--cert-file', o.certFile),
    fileOption('--cert-key-file', o.certKeyFile),
    fileOption('--password-file', o.passwordFile),
  ]);
  if ((cert === undefined) !== (key === undefined)) throw new Error('--cert-file and --cert-key-file go together');
  return {
    clientId: o.clientId ?? `tilsyn-central-${randomBytes(4).toString('hex')}`,
    clean: true,
    protocolVersion: 5,
    properties: { maximumPacketSize: MAX_PACKET_BYTES },
    connectTimeout: o.connectTimeoutMs ?? 10_000,
    // One attempt: a command that cannot reach the broker says so and exits rather than retrying for ever.
    reconnectPeriod: 0,
    rejectUnauthorized: true,
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(o.username !== undefined ? { username: o.username } : {}),
    ...(password !== undefined ? { password: password.toString('utf8').replace(/\r?\n$/, '') } : {}),
  };
}

/** Connects once; throws with the broker's URL (without credentials) and the reason when it cannot. */
export async function connectCentral(o: BrokerOptions): Promise<MqttClient> {
  const options = await connectOptions(o);
  try {
    return await mqtt.connectAsync(o.url, options, false);
  } catch (err) {
    throw new Error(`cannot connect to the broker at ${safeUrl(o.url)}: ${(err as Error).message}`);
  }
}

/** The URL without any user:password in it, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable URL)';
  }
}
