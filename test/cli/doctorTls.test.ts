// `tilsyn doctor` on a fleet with its own CA and mutual TLS: the broker check connects with the agent's own client
// options (CA, client certificate, password, protocol version) and passes; without the client certificate it fails.
// Whatever passes or fails, the report never shows the camera's, the broker's or the ingest's credentials.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBroker } from '../../agent/cli/doctor/brokerCheck.ts';
import { loadConfig } from '../../agent/config/load.ts';
import { TEST_PUBLIC_KEY } from '../support/tasks.ts';
import { startIngestReceiver, type IngestReceiver } from '../../tools/demo/ingestReceiver.ts';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { testLogger } from '../support/logger.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const BROKER_PASSWORD = 'broker-pw-4f1c9e';
const CAMERA_USER = 'cam-admin-7d2a';
const CAMERA_PASSWORD = 'cam-pw-83b1e0';
const INGEST_TOKEN = 'ingest-token-5e9d77';
const SECRETS = [BROKER_PASSWORD, CAMERA_USER, CAMERA_PASSWORD, INGEST_TOKEN];

let dir: string;
let broker: LocalBroker;
let ingest: IngestReceiver;
const file = (name: string) => path.join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

/** A CA, a broker certificate for 127.0.0.1 and a vehicle client certificate, made here for this test. */
function makeCertificates(): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=tilsyn doctor test CA');
  for (const [name, cn, ext] of [
    ['broker', '127.0.0.1', 'subjectAltName=IP:127.0.0.1'],
    ['vehicle', 'doctor-bus', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    writeFileSync(file(`${name}.ext`), `${ext}\n`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  }
  execFileSync('mosquitto_passwd', ['-b', '-c', file('passwd'), 'doctor-bus', BROKER_PASSWORD]);
}

function writeConfig(name: string, mqttChanges: Record<string, unknown> = {}): string {
  const configFile = file(`${name}.yaml`);
  const mqtt: Record<string, unknown> = {
    url: broker.url,
    caFile: file('ca.crt'),
    certFile: file('vehicle.crt'),
    keyFile: file('vehicle.key'),
    username: 'doctor-bus',
    password: BROKER_PASSWORD,
    protocolVersion: 5,
    ...mqttChanges,
  };
  for (const [k, v] of Object.entries(mqtt)) if (v === undefined) delete mqtt[k];
  writeFileSync(
    configFile,
    JSON.stringify({
      vehicleId: 'doctor-bus',
      fleetId: 'doctor-fleet',
      dataDir: file('data'),
      gps: { source: 'nmea-file', path: path.join(repoRoot, 'fixtures/gps/short-drive.nmea') },
      mqtt,
      // An IP camera that is not there: the check fails, and says so without the camera's user and password.
      camera: { source: 'rtsp', url: `rtsp://${CAMERA_USER}:${CAMERA_PASSWORD}@127.0.0.1:${freeRtspPort}/stream1`, fps: 5, width: 320, height: 240 },
      ingest: { url: ingest.url, token: INGEST_TOKEN },
      tasks: { publicKeys: [TEST_PUBLIC_KEY] },
    }),
  );
  return configFile;
}

let freeRtspPort = 0;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-doctor-tls-'));
  makeCertificates();
  broker = await startLocalBroker(await freeLoopbackPort(), {
    tls: { caFile: file('ca.crt'), certFile: file('broker.crt'), keyFile: file('broker.key'), requireClientCert: true },
    passwordFile: file('passwd'),
  });
  ingest = await startIngestReceiver(file('ingest'), INGEST_TOKEN);
  freeRtspPort = await freeLoopbackPort();
}, 60_000);

afterAll(async () => {
  await ingest?.stop();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('tilsyn doctor against a broker that requires mutual TLS', () => {
  it('passes the broker check with the configured CA, client certificate and password; the report shows no credentials', async () => {
    const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'agent/main.ts', 'doctor', '--config', writeConfig('mtls'), '--json', '--timeout-ms', '5000'],
        { cwd: repoRoot, timeout: 180_000 },
        (err, stdout, stderr) => resolve({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr }),
      );
    });
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: { name: string; status: string; detail: string }[] };
    const check = (name: string) => report.checks.find((c) => c.name === name)!;
    expect(check('broker'), JSON.stringify(report)).toMatchObject({ status: 'ok', detail: `${broker.url}: connected (MQTT 5)` });
    expect(check('ingest').status, check('ingest').detail).toBe('ok');
    // The camera is not there: it fails, named by its URL without user and password.
    expect(check('camera').status).toBe('fail');
    expect(check('camera').detail).toContain(`rtsp rtsp://***@127.0.0.1:${freeRtspPort}/stream1`);
    for (const secret of SECRETS) {
      expect(result.stdout, secret).not.toContain(secret);
      expect(result.stderr, secret).not.toContain(secret);
    }
    // The camera fails: the doctor says so in its exit status.
    expect(result.status).toBe(1);
  }, 180_000);

  it('passes over MQTT 3.1.1 too', async () => {
    const result = await checkBroker({ config: loadConfig(writeConfig('mtls-v4', { protocolVersion: 4 })), logger: testLogger, timeoutMs: 10_000 });
    expect(result).toMatchObject({ status: 'ok', detail: `${broker.url}: connected (MQTT 3.1.1)` });
  }, 60_000);

  it.each([
    ['without the client certificate', { certFile: undefined, keyFile: undefined }],
    ['with a wrong password', { password: 'not-the-password' }],
  ])('fails %s, and shows no password', async (_name, change) => {
    const result = await checkBroker({ config: loadConfig(writeConfig('refused', change)), logger: testLogger, timeoutMs: 10_000 });
    expect(result.status, result.detail).toBe('fail');
    expect(result.detail.startsWith(`${broker.url}: `)).toBe(true);
    for (const secret of [BROKER_PASSWORD, 'not-the-password']) expect(result.detail).not.toContain(secret);
  }, 60_000);

  it('shows no credentials that sit in the broker URL either', async () => {
    const url = broker.url.replace('mqtts://', `mqtts://doctor-bus:${BROKER_PASSWORD}@`);
    const result = await checkBroker({ config: loadConfig(writeConfig('in-url', { url, username: undefined, password: undefined })), logger: testLogger, timeoutMs: 10_000 });
    expect(result).toMatchObject({ status: 'ok' });
    expect(result.detail).not.toContain(BROKER_PASSWORD);
    expect(result.detail).toContain('***@127.0.0.1');
  }, 60_000);
});
