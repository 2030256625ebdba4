// The schemas of the vehicle's own MQTT messages — acks and status — for validation in tests and JSON Schema export.
import { z } from 'zod';

export const ackSchema = z
  .strictObject({
    taskId: z
      .string()
      .max(128)
      .describe('Task id from the message, or from its topic when the message had none that was well-formed (a malformed one quoted, at most 40 characters)'),
    revision: z
      .int()
      .nullable()
      .describe('Revision of the message (of the withdrawal, for a signed one); null for an empty-payload withdrawal (only where unsigned tasks are allowed) and for messages without a readable revision'),
    status: z
      .enum(['accepted', 'rejected', 'withdrawn', 'expired'])
      .describe('accepted: in force on the vehicle; rejected: see errors; withdrawn: stopped; expired: past validUntil, dropped'),
    errors: z
      .array(
        z.strictObject({
          path: z.string().describe('Dotted path of the offending field ("" for the whole message)'),
          message: z.string().describe('What is wrong, in words'),
        }),
      )
      .max(21)
      .describe('Why a task was rejected (at most 20, then a count of the rest; the whole ack at most 4 KiB, text of the message quoted at most 40 characters); empty otherwise'),
  })
  .describe('Answer of the vehicle to every task message it receives; topic {prefix}/vehicle/{vehicleId}/acks, QoS 1');

const nullableMs = z.number().min(0).nullable();

const count = z.int().min(0);

const modelCounts = z
  .strictObject({
    asked: count.describe('Frames this model was asked about for the task'),
    found: count.describe('… where its best score for the task\'s classes was at or above minConfidence + unsureMargin'),
    notFound: count.describe('… below minConfidence − unsureMargin'),
    unsure: count.describe('… inside the unsure band (asked = found + notFound + unsure)'),
    escalated: count.describe('Unsure answers handed on to the next dearer model (= what that model was asked)'),
    ms: z.number().min(0).describe('Time the model took on these frames, ms in total (a run shared by tasks counts for each)'),
  })
  .describe("One model's answers for one task since the agent started");

const routingStatus = z
  .looseObject({
    unsureMargin: z.number().min(0).describe('Half-width of the unsure band around each task\'s minConfidence (config models.unsureMargin)'),
    models: z
      .array(z.strictObject({ name: z.string().describe('Manifest name'), costMs: z.number().min(0).describe('Cost per frame from the manifest, ms') }))
      .describe('The object models in use, cheapest first: the order in which they are asked'),
    missing: z.array(z.string()).describe('Models that could not be loaded; the agent runs without them (unsure answers then stay uncertain)'),
    tasks: z
      .record(
        z.string(),
        z.strictObject({
          outcomes: z
            .strictObject({ found: count, not_found: count, uncertain: count })
            .describe('Outcomes reported for the task (one per frame judged by the models)'),
          models: z.record(z.string(), modelCounts).describe('Per model (manifest name)'),
        }),
      )
      .describe('Per task id held: which model serves which task'),
  })
  .describe('Asking the right model: cheapest first, the next one only where the answer is unsure');

export const statusSchema = z
  .looseObject({
    state: z.enum(['online', 'offline']).describe('online while the agent runs; offline from a clean stop or the last will'),
    at: z.iso.datetime({ offset: true }).optional().describe('When this status was made (vehicle clock, UTC)'),
    version: z.string().optional().describe('Agent version'),
    vehicleId: z.string().optional().describe('This vehicle'),
    fleetId: z.string().optional().describe('The fleet of this vehicle (config fleetId): whose fleet tasks and manifest it follows'),
    uptimeS: z.number().min(0).optional().describe('Seconds since the agent started'),
    health: z
      .enum(['ok', 'degraded'])
      .optional()
      .describe('ok, or degraded when a part is failing and being repaired in place (see reasons); a broker outage shows as the last will'),
    reasons: z.array(z.string()).optional().describe('Why the vehicle is degraded, one short sentence per problem; empty when ok'),
    warnings: z
      .array(z.string())
      .optional()
      .describe(
        'What is unsafe in how the vehicle is set up, whatever its health: "unsigned tasks allowed" while tasks.allowUnsigned is set without tasks.publicKeys (anyone on the broker can point the camera); empty otherwise',
      ),
    tasks: z.int().min(0).optional().describe('Tasks held'),
    activeTasks: z.int().min(0).optional().describe('Tasks in force now (inside validFrom…validUntil and their schedule)'),
    taskSync: z
      .strictObject({
        held: count.describe('Tasks the manifests list that the vehicle holds, at the listed revision or newer'),
        expected: count.describe('Tasks the manifests (vehicle and fleet, merged) list'),
        missing: count.describe('Listed tasks not received yet: being fetched, or not on the broker; health is degraded while > 0'),
      })
      .optional()
      .describe('Tasks held against the signed manifests; absent while the vehicle has no manifest. expected − held − missing = listed tasks received but refused or expired (see their acks)'),
    gps: z
      .looseObject({
        connected: z.boolean().nullable().describe('gpsd reachable; null for a replayed NMEA file or before the first attempt'),
        mode: z.int().min(0).max(3).nullable().describe('Mode of the last fix: 0/1 none, 2 = 2D, 3 = 3D; null when none came yet'),
        fixAgeS: nullableMs.describe('Seconds since the last usable (2D/3D) fix; null when there never was one'),
        errorM: nullableMs.describe('Horizontal error of the last fix, metres, where the receiver reports one'),
      })
      .optional()
      .describe('Position source'),
    camera: z
      .looseObject({
        state: z.enum(['off', 'starting', 'running', 'failed']).describe('off outside task areas; failed while being restarted'),
        armed: z.boolean().describe('The camera should be running (an active task area is near)'),
        starts: z.int().min(0).describe('Times it was started for a task area'),
        onMs: z.number().min(0).describe('Total time it ran since the agent started, ms'),
        restarts: z.int().min(0).describe('Restarts after a failure or stall'),
        lastError: z.string().nullable().describe('The last failure, if any'),
      })
      .optional()
      .describe('Camera'),
    queue: z
      .looseObject({
        pending: z.int().min(0).describe('Evidence items waiting for upload (parked ones included)'),
        bytes: z.int().min(0).describe('Their size on disk, bytes'),
        parked: z.int().min(0).describe('Items the ingest refused for good'),
      })
      .optional()
      .describe('Evidence queue'),
    upload: z
      .looseObject({
        uploaded: z.int().min(0).describe('Items uploaded since start'),
        failedAttempts: z.int().min(0).describe('Failed upload attempts since start'),
        lastUploadAt: z.iso.datetime({ offset: true }).nullable().describe('When the last item was uploaded; null when none since start'),
        lastError: z
          .string()
          .nullable()
          .optional()
          .describe('Why the last upload attempt failed (e.g. "PUT {id}.jpg answered HTTP 303 pointing to …; redirects are not followed"); null after a success'),
      })
      .optional()
      .describe('Uploads'),
    detector: z
      .looseObject({
        p95Ms: nullableMs.describe('95th percentile of the last 100 detections, ms; null before the first'),
        count: z.int().min(0).describe('Detections since start'),
      })
      .optional()
      .describe('Object detection'),
    redaction: z
      .looseObject({
        p95Ms: nullableMs.describe('95th percentile of the last 100 redactions, ms'),
        count: z.int().min(0).describe('Frames redacted since start'),
        failures: z.int().min(0).describe('Frames dropped because redaction failed or overran its deadline (never kept unredacted)'),
      })
      .optional()
      .describe('Face and plate redaction'),
    disk: z
      .looseObject({
        freeBytes: z.number().min(0).describe('Free bytes on the file system of the data folder'),
        totalBytes: z.number().min(0).describe('Its size, bytes'),
      })
      .nullable()
      .optional()
      .describe('Disk; null when unreadable'),
    cpuTempC: z.number().nullable().optional().describe('CPU temperature, °C; null where the board does not report one'),
    routing: routingStatus.optional(),
  })
  .describe('Retained status of the vehicle; topic {prefix}/vehicle/{vehicleId}/status. Further keys carry counters and may grow');

export type StatusMessage = z.infer<typeof statusSchema>;

export type AckMessage = z.infer<typeof ackSchema>;

export const observationSchema = z
  .strictObject({
    id: z.uuid().describe('Observation id (UUID); the same observation may arrive twice after a reconnect: deduplicate by id'),
    vehicleId: z.string().describe('The vehicle that observed'),
    taskId: z.string().describe('The task the frame was taken for'),
    revision: z.int().min(0).describe('Revision of the task in force when the frame was taken'),
    outcome: z
      .enum(['found', 'not_found', 'uncertain'])
      .describe(
        'found: the deciding model\'s best score for a lookFor class is at or above minConfidence + unsureMargin; not_found: below minConfidence − unsureMargin ("all in order"); uncertain: inside that band for every model asked (the cheapest first, a dearer one only after an unsure answer), or the frame could not be judged',
      ),
    keep: z.enum(['match', 'all', 'none']).describe("The task's keep rule that decided whether evidence was stored"),
    at: z.iso.datetime({ offset: true }).describe('When the frame was taken'),
    lat: z.number().min(-90).max(90).describe('Where the frame was taken, WGS84 degrees'),
    lon: z.number().min(-180).max(180).describe('Where the frame was taken, WGS84 degrees'),
    detections: z
      .array(
        z.strictObject({
          label: z.string().describe('A lookFor class'),
          score: z.number().min(0).max(1).describe('Best detector score of this class in the frame'),
          count: z.int().min(1).describe('How many of this class were seen'),
        }),
      )
      .describe('lookFor classes seen by the deciding model (down to half of minConfidence, or the unsure band\'s low edge), best first; counts only, no pixels, no boxes'),
    evidenceIds: z.array(z.string()).describe('Evidence stored for this observation (uploaded as {id}.jpg/.json); empty when nothing was kept'),
    note: z.string().optional().describe('Why the outcome is uncertain or why evidence that should exist was not kept'),
  })
  .describe(
    'One decision about one frame taken for a task (every frame of a pass is reported, also when nothing is kept); topic {prefix}/vehicle/{vehicleId}/observations, QoS 1, queued on the vehicle while offline',
  );

export type ObservationMessage = z.infer<typeof observationSchema>;
