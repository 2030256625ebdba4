// Secrets from files and systemd credentials, plaintext transport refused, and no credential in the log.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttTaskChannel } from '../../agent/adapters/mqttTaskChannel.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { LOG_REDACT_PATHS } from '../../agent/cli/run.ts';
import { ConfigError, loadConfig } from '../../agent/config/load.ts';
import { withoutCredentials } from '../../agent/core/transport/urls.ts';
import { TEST_PUBLIC_KEY } from '../support/tasks.ts';

let dir: string;
let broker: LocalBroker;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-secrets-'));
  execFileSync('mosquitto_passwd', ['-b', '-c', path.join(dir, 'passwd'), 'sweeper-07', 'pa$$w&rd']);
  broker = await startLocalBroker(await freeLoopbackPort(), { passwordFile: path.join(dir, 'passwd') });
});
afterAll(async () => broker?.stop());

function configFile(lines: Record<string, string>, name = 'agent.yaml'): string {
  const base = {
    vehicleId: 'sweeper-07',
    fleetId: 'kbh',
    dataDir: './data',
    gps: '{ source: gpsd }',
    camera: '{ source: test }',
    mqtt: '{ url: "mqtts://broker.example.org:8883" }',
    ingest: '{ url: "https://ingest.example.org/tilsyn", token: t }',
    tasks: `{ publicKeys: ["${TEST_PUBLIC_KEY}"] }`,
    ...lines,
  };
  const file = path.join(dir, name);
  writeFileSync(file, Object.entries(base).map(([k, v]) => `${k}: ${v}\n`).join(''));
  return file;
}

function problemsOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.join('\n');
  }
  throw new Error('the config was accepted');
}

describe('secrets in the config', () => {
  it('reads ingest.tokenFile and mqtt.passwordCredential when the config is loaded, first line only', () => {
    writeFileSync(path.join(dir, 'token'), 'tok$$en$&x\n');
    const creds = mkdtempSync(path.join(tmpdir(), 'tilsyn-creds-'));
    writeFileSync(path.join(creds, 'mqtt-password'), 'pa$$w&rd"\\x');
    const file = configFile({
      ingest: '{ url: "https://ingest.example.org/tilsyn", tokenFile: token }',
      mqtt: '{ url: "mqtts://broker.example.org:8883", username: u, passwordCredential: mqtt-password }',
    });
    const config = loadConfig(file, { CREDENTIALS_DIRECTORY: creds });
    expect(config.ingest.token).toBe('tok$$en$&x');
    expect(config.mqtt.password).toBe('pa$$w&rd"\\x');
  });

  it('names the key when a secret cannot be read, and asks for exactly one token', () => {
    const missing = configFile({ ingest: '{ url: "https://i.example.org", tokenFile: /nonexistent/token }', mqtt: '{ url: "mqtts://b.example.org", passwordCredential: pw }' });
    const problems = problemsOf(() => loadConfig(missing, {}));
    expect(problems).toContain('ingest.tokenFile: cannot read /nonexistent/token: ENOENT');
    expect(problems).toContain('mqtt.passwordCredential: no $CREDENTIALS_DIRECTORY');
    expect(problemsOf(() => loadConfig(configFile({ ingest: '{ url: "https://i.example.org" }' }), {}))).toContain(
      'ingest.token: exactly one of token, tokenFile and tokenCredential',
    );
    writeFileSync(path.join(dir, 'empty'), '\n');
    expect(problemsOf(() => loadConfig(configFile({ ingest: '{ url: "https://i.example.org", tokenFile: empty }' }), {}))).toContain('ingest.tokenFile:');
  });
});

describe('plaintext transport', () => {
  it('refuses mqtt:// and http:// to a host that is not loopback, naming the key; loopback and allowPlaintext pass', () => {
    const plain = configFile({ mqtt: '{ url: "mqtt://broker.example.org:1883" }', ingest: '{ url: "http://10.1.2.3/tilsyn", token: t }' });
    const problems = problemsOf(() => loadConfig(plain, {}));
    expect(problems).toContain('mqtt.url: plaintext to broker.example.org, which is not loopback');
    expect(problems).toContain('ingest.url: plaintext to 10.1.2.3, which is not loopback');
    expect(problems).toContain('security.allowPlaintext');
    expect(() => loadConfig(configFile({ mqtt: '{ url: "mqtt://127.0.0.1:1883" }', ingest: '{ url: "http://localhost:8080", token: t }' }), {})).not.toThrow();
    expect(() => loadConfig(plain, { TILSYN_SECURITY__ALLOW_PLAINTEXT: 'true' })).not.toThrow();
  });
});

describe('no credential in the log', () => {
  it('connects with a password from a credential and logs the broker URL without it', async () => {
    const creds = mkdtempSync(path.join(tmpdir(), 'tilsyn-creds-'));
    writeFileSync(path.join(creds, 'mqtt-password'), 'pa$$w&rd\n');
    // The password also in the URL's user part, as some fleets write it: the log line must not show it either.
    const url = `mqtt://sweeper-07:pa$$w&rd@127.0.0.1:${new URL(broker.url).port}`;
    const config = loadConfig(configFile({ mqtt: `{ url: "${url}", username: sweeper-07, passwordCredential: mqtt-password }` }), { CREDENTIALS_DIRECTORY: creds });
    let log = '';
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => ((log += chunk.toString()), done()) });
    const logger = pino({ level: 'trace', redact: { paths: LOG_REDACT_PATHS, censor: '***' } }, sink);
    const channel = new MqttTaskChannel(
      { url: config.mqtt.url, prefix: 'tilsyn/v1', fleetId: 'kbh', vehicleId: 'sweeper-07', username: 'sweeper-07', password: config.mqtt.password!, reconnectPeriodMs: 0 },
      logger,
    );
    await channel.start(new AbortController().signal);
    logger.info({ password: config.mqtt.password, headers: { authorization: 'Bearer tok' } }, 'a careless line');
    await channel.stop();
    expect(log).toContain('mqtt connected');
    expect(log).not.toContain('w&rd');
    expect(log).not.toContain('Bearer tok');
    expect(withoutCredentials(url)).toBe(`mqtt://***@127.0.0.1:${new URL(broker.url).port}`);
  });
});
