// The one schema of the agent's configuration: every key with its default and a description; unknown keys rejected.
import { z } from 'zod';
import { redactionSettingsSchema } from '../core/redaction/redactionSettings.ts';
import { publicKeyFrom } from '../core/tasks/taskSignature.ts';
import { plaintextRemoteHost } from '../core/transport/urls.ts';
import { cameraSchema, gpsSchema } from './sensorsSchema.ts';

/** A systemd credential name: what may follow LoadCredential= before the colon. */
const CREDENTIAL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

const defaultModelsDir = new URL('../../models', import.meta.url).pathname;

export const configSchema = z
  .strictObject({
    vehicleId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" and "_" only (it is part of MQTT topics)')
      .describe('This vehicle, as the central system knows it'),
    fleetId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" and "_" only (it is part of MQTT topics)')
      .describe('The fleet this vehicle belongs to; fleet-wide tasks arrive on its topic'),
    dataDir: z.string().min(1).describe('Folder for the evidence queue (SQLite and redacted files)'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info').describe('pino log level'),
    gps: gpsSchema.describe('Where positions come from'),
    mqtt: z
      .strictObject({
        url: z.string().regex(/^(mqtts?|wss?|tcp):\/\//, 'must start with mqtt://, mqtts://, ws:// or wss://').describe('Broker URL'),
        topicPrefix: z
          .string()
          .regex(/^[^#+]+[^/#+]$/, 'no wildcards and no trailing "/"')
          .default('tilsyn/v1')
          .describe('Prefix of every topic'),
        username: z.string().optional().describe('Broker user name'),
        password: z.string().optional().describe('Broker password (better: passwordFile or passwordCredential, kept out of this file)'),
        passwordFile: z.string().min(1).optional().describe('File holding the broker password (its first line); read when the config is loaded'),
        passwordCredential: z
          .string()
          .regex(CREDENTIAL_NAME, 'a systemd credential name: letters, digits, "-", "_" and "."')
          .optional()
          .describe('Name of a systemd credential (LoadCredential=NAME:…) holding the broker password, read from $CREDENTIALS_DIRECTORY/NAME'),
        caFile: z.string().min(1).optional().describe('PEM file of the CA that signed the broker certificate (mqtts://, wss://)'),
        certFile: z.string().min(1).optional().describe('PEM client certificate for mutual TLS; needs keyFile'),
        keyFile: z.string().min(1).optional().describe('PEM private key of the client certificate; needs certFile'),
        protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5).describe('MQTT protocol: 5 (MQTT 5) or 4 (3.1.1)'),
        sessionExpiryS: z
          .int()
          .min(0)
          .max(4_294_967_295)
          .default(7 * 24 * 3600)
          .describe('MQTT 5: how long the broker keeps this session and its queued task messages while the vehicle is offline'),
        clientId: z.string().min(1).max(128).optional().describe('MQTT client id; default tilsyn-{vehicleId}'),
      })
      .refine((m) => [m.password, m.passwordFile, m.passwordCredential].filter((v) => v !== undefined).length <= 1, {
        message: 'at most one of password, passwordFile and passwordCredential',
        path: ['password'],
      })
      .refine((m) => (m.certFile === undefined) === (m.keyFile === undefined), {
        message: 'certFile and keyFile go together (mutual TLS needs both)',
        path: ['keyFile'],
      })
      .describe('Broker that carries tasks, acks and status'),
    camera: cameraSchema.describe('Camera source'),
    models: z
      .strictObject({
        dir: z.string().min(1).default(defaultModelsDir).describe('Folder holding the fetched model files'),
        threads: z.int().min(1).max(16).default(2).describe('Inference threads per model'),
        unsureMargin: z
          .number()
          .min(0)
          .max(0.5)
          .default(0.1)
          .describe(
            "Half-width of the unsure band around each task's minConfidence: a best score within it is not called; the next dearer model answering the task's classes is asked (PicoDet-S after YOLOX-nano), and where none is left the outcome is uncertain. 0: never escalate",
          ),
      })
      .prefault({})
      .describe('ONNX models'),
    trigger: z
      .strictObject({
        everyM: z.number().positive().default(10).describe('At most one frame per task every this many metres of travel'),
        enterFixes: z.int().min(1).max(20).default(2).describe('Consecutive fixes inside an area before it counts as entered'),
        maxErrorM: z.number().positive().default(30).describe('Fixes with a larger reported horizontal error (gpsd eph, 95 %) are not used'),
        maxFixAgeMs: z.int().positive().default(2000).describe('Fixes older than this (receiver time against the clock) are not used'),
        targetFrames: z
          .int()
          .min(1)
          .max(100)
          .default(3)
          .describe('Frames per pass for a task with a point target: the best ones, nearest the lens axis (a lower capture.maxFrames wins)'),
      })
      .prefault({})
      .describe('When the camera fires'),
    capture: z
      .strictObject({
        maxPendingFrames: z
          .int()
          .min(1)
          .max(16)
          .default(8)
          .describe(
            'Frames grabbed and waiting in RAM for the detector and redactor (besides the one in hand); a trigger while this many wait is dropped and counted (status capture.framesSkippedBusy). Each 1080p frame holds 6.2 MB',
          ),
      })
      .prefault({})
      .describe('Between camera and redactor'),
    ingest: z
      .strictObject({
        url: z.url({ protocol: /^https?$/ }).describe('Base URL of the central evidence ingest; PUT {url}/evidence/{id}.jpg|.json'),
        token: z.string().min(1).optional().describe('Bearer token for the ingest (better: tokenFile or tokenCredential, kept out of this file)'),
        tokenFile: z.string().min(1).optional().describe('File holding the ingest bearer token (its first line); read when the config is loaded'),
        tokenCredential: z
          .string()
          .regex(CREDENTIAL_NAME, 'a systemd credential name: letters, digits, "-", "_" and "."')
          .optional()
          .describe('Name of a systemd credential (LoadCredential=NAME:…) holding the ingest token, read from $CREDENTIALS_DIRECTORY/NAME'),
        timeoutMs: z.int().positive().default(30_000).describe('Timeout of one upload request'),
      })
      .refine((i) => [i.token, i.tokenFile, i.tokenCredential].filter((v) => v !== undefined).length === 1, {
        message: 'exactly one of token, tokenFile and tokenCredential',
        path: ['token'],
      })
      .describe('Where redacted evidence is uploaded'),
    upload: z
      .strictObject({
        retryMinMs: z.int().positive().default(1_000).describe('First retry delay after a failed upload'),
        retryMaxMs: z.int().positive().default(300_000).describe('Longest retry delay'),
        idleMs: z.int().positive().default(2_000).describe('How often an empty queue is looked at again'),
        concurrency: z.int().min(1).max(8).default(2).describe('Items uploaded at the same time'),
        maxKbps: z
          .number()
          .positive()
          .optional()
          .describe('Upload bandwidth cap in kilobits per second over all uploads together (metered LTE); absent: no cap'),
      })
      .prefault({})
      .describe('Upload loop'),
    tasks: z
      .strictObject({
        files: z.array(z.string()).default([]).describe('Task JSON files loaded at start, besides those from MQTT'),
        maxAreaKm2: z.number().positive().max(1000).default(5).describe('Largest area one task may cover, km²; no single task may cover a city'),
        maxBytes: z.int().min(1024).max(16 * 1024 * 1024).default(256 * 1024).describe('Largest task message taken, bytes'),
        publicKeys: z
          .array(z.string().min(1).refine(isEd25519PublicKey, 'an Ed25519 public key: base64 of its 32 raw bytes, or PEM'))
          .default([])
          .describe(
            'Ed25519 public keys (base64 of the 32 raw bytes, or PEM) of the city\'s task signing; only tasks and withdrawals signed by one of them are taken. Required unless allowUnsigned',
          ),
        allowUnsigned: z
          .boolean()
          .default(false)
          .describe(
            'Take unsigned tasks when publicKeys is empty (tests, a closed lab): anyone who can publish on the broker can then point the camera. Every start logs a warning, and the status and doctor say so',
          ),
        maxHeld: z
          .int()
          .min(1)
          .max(100_000)
          .default(10_000)
          .describe('Most tasks held at once; beyond, new tasks are rejected (revisions of held ones are still taken)'),
        maxHeldBytes: z
          .int()
          .min(1024 * 1024)
          .max(1024 ** 3)
          .default(64 * 1024 ** 2)
          .describe('Most bytes of task messages held at once (the task store holds these); beyond, new tasks are rejected'),
        expireEveryMs: z.int().min(1000).default(60_000).describe('How often tasks past validUntil are dropped (ack "expired")'),
        sync: z
          .strictObject({
            maxManifestBytes: z
              .int()
              .min(1024)
              .max(64 * 1024 * 1024)
              .default(1024 * 1024)
              .describe('Largest manifest taken, bytes (10,000 tasks are about 450 KB); the MQTT 5 packet limit is the larger of this and tasks.maxBytes'),
            batchSize: z
              .int()
              .min(1)
              .max(500)
              .default(50)
              .describe("Missing tasks fetched at once (their topics subscribed together); well below the broker's queue limit per client"),
            brokerMaxQueued: z
              .int()
              .min(1)
              .default(1_000)
              .describe("The broker's queue limit per client (Mosquitto max_queued_messages): a resumed session that brings this many queued messages may have lost some, and the manifests are read again"),
            retryS: z
              .int()
              .min(1)
              .default(60)
              .describe('Tasks the manifest lists but the broker does not have are asked for again after this many seconds'),
          })
          .prefault({})
          .describe('Checking the tasks held against the signed manifests'),
      })
      .prefault({})
      .describe('Inspection tasks'),
    storage: z
      .strictObject({
        keyFile: z
          .string()
          .min(1)
          .optional()
          .describe('AES-256 device key that encrypts evidence at rest; created 0600 on first start. Default: {dataDir}/device.key'),
        maxBytes: z.int().positive().default(2 * 1024 ** 3).describe('Most bytes of evidence kept; beyond, the oldest lowest-priority items are deleted'),
        minFreeBytes: z.int().min(0).default(256 * 1024 ** 2).describe('Free disk space to keep on the file system of dataDir, deleting evidence if needed'),
        sweepEveryMs: z.int().positive().default(60_000).describe('How often retention and quota are checked'),
      })
      .prefault({})
      .describe('Evidence at rest: encryption, retention and disk quota'),
    observations: z
      .strictObject({
        maxQueued: z
          .int()
          .min(100)
          .default(100_000)
          .describe('Most observations kept on the vehicle while the broker is away; beyond, the oldest are dropped unsent, counted and audited'),
      })
      .prefault({})
      .describe('Observations waiting for the broker ({dataDir}/observations.sqlite)'),
    redaction: redactionSettingsSchema
      .extend({
        jpegQuality: z.int().min(50).max(100).default(85).describe('Quality of the stored, redacted JPEG'),
        deadlineMs: z
          .int()
          .min(1)
          .default(5000)
          .describe('A frame whose redaction takes longer than this (ms) is dropped and counted, never kept unredacted'),
      })
      .prefault({})
      .describe('Face and plate redaction: which models, how they search, which regions get blurred (core/redaction/redactionSettings.ts)'),
    status: z
      .strictObject({
        intervalS: z.int().min(5).max(3600).default(60).describe('How often the retained status is published, seconds (at once, too, when health changes)'),
        noFixDegradedS: z.int().min(5).default(120).describe('No usable GPS fix for this long makes the status "degraded"'),
      })
      .prefault({})
      .describe('The retained status on {prefix}/vehicle/{vehicleId}/status'),
    security: z
      .strictObject({
        allowPlaintext: z
          .boolean()
          .default(false)
          .describe('Allow mqtt://, ws:// and http:// to a host other than loopback (credentials and evidence metadata in clear); off: such a URL is a config error'),
      })
      .prefault({})
      .describe('Transport rules'),
    clock: z
      .strictObject({
        maxSkewS: z
          .number()
          .positive()
          .max(3600)
          .default(5)
          .describe('While the system clock and GPS time differ by more than this, seconds, nothing is captured and the health is degraded; fixes dated further ahead are not used'),
      })
      .prefault({})
      .describe('The system clock checked against GPS time'),
    audit: z
      .strictObject({
        signingKeyFile: z
          .string()
          .min(1)
          .optional()
          .describe('Ed25519 private key (PKCS#8 PEM) that signs the published audit head: the device key made by install.sh, /etc/tilsyn/device-key.pem. Unset: heads are published unsigned'),
        headIntervalS: z.int().min(10).max(86_400).default(300).describe('How often the signed audit head is published (retained), seconds; also at stop'),
        shipEveryS: z.int().min(10).max(86_400).default(300).describe('How often audit records are shipped to the ingest: PUT {ingest.url}/audit/{vehicleId}/{first}-{last}.jsonl'),
        shipMaxRecords: z.int().min(1).max(100_000).default(5_000).describe('Most audit records in one shipped file'),
        keepShippedDays: z
          .number()
          .positive()
          .optional()
          .describe('Shipped audit records older than this are pruned locally, leaving a signed checkpoint the rest of the chain verifies from; unset: nothing is pruned'),
      })
      .prefault({})
      .describe('The audit trail: signed head on {prefix}/vehicle/{vehicleId}/audit, records shipped to the ingest'),
    metrics: z
      .strictObject({
        port: z
          .int()
          .min(1)
          .max(65535)
          .optional()
          .describe('Serve Prometheus metrics on http://127.0.0.1:{port}/metrics (loopback only); off when unset. 9464 is customary'),
      })
      .prefault({})
      .describe('Local Prometheus endpoint'),
  })
  .superRefine((config, ctx) => {
    if (config.tasks.publicKeys.length === 0 && !config.tasks.allowUnsigned) {
      ctx.addIssue({
        code: 'custom',
        path: ['tasks', 'publicKeys'],
        message:
          'no key to check task signatures with: set the public key of the city\'s task signing (tilsyn sign-task --new-key makes a pair), or tasks.allowUnsigned: true to take tasks from anyone on the broker',
      });
    }
    if (config.security.allowPlaintext) return;
    for (const [key, url, secure] of [
      ['mqtt', config.mqtt.url, 'mqtts:// or wss://'],
      ['ingest', config.ingest.url, 'https://'],
    ] as const) {
      const plain = plaintextRemoteHost(url);
      if (plain === null) continue;
      ctx.addIssue({
        code: 'custom',
        path: [key, 'url'],
        message: `plaintext to ${plain}, which is not loopback: use ${secure}, or set security.allowPlaintext: true`,
      });
    }
  })
  .describe('tilsyn-agent configuration');

function isEd25519PublicKey(text: string): boolean {
  try {
    publicKeyFrom(text);
    return true;
  } catch {
    return false;
  }
}

type ParsedConfig = z.infer<typeof configSchema>;
/** The configuration as the agent uses it: secrets given by file or credential already read (config/load.ts). */
export type Config = Omit<ParsedConfig, 'ingest'> & { ingest: ParsedConfig['ingest'] & { readonly token: string } };
export type CameraConfig = Config['camera'];
export type GpsConfig = Config['gps'];
