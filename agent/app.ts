// Composition root: builds the agent's parts from the config — each adapter through the factory of its port — and
// runs them as one ordered list: started first to last, stopped last to first, each releasing what it holds.
import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { loadSigningKey } from './adapters/deviceKey.ts';
import { verifiedPut } from './adapters/verifiedPut.ts';
import { signAuditHead } from './core/evidence/auditHead.ts';
import { AuditHeadService } from './services/auditHeadService.ts';
import { AuditShipService } from './services/auditShipService.ts';
import { ClockGuard } from './services/clockGuard.ts';
import { createCamera } from './adapters/factories/createCamera.ts';
import { createGps } from './adapters/factories/createGps.ts';
import { createTaskChannel } from './adapters/factories/createTaskChannel.ts';
import { createUploader } from './adapters/factories/createUploader.ts';
import { MetricsServer } from './adapters/metricsServer.ts';
import { routableModel } from './adapters/modelFiles.ts';
import { createDetector } from './adapters/createDetector.ts';
import { createRedactor } from './adapters/createRedactor.ts';
import { PICODET_MODEL } from './adapters/detectors/picodetDetector.ts';
import { SqliteEvidenceQueue } from './adapters/sqliteEvidenceQueue.ts';
import { SqliteObservationOutbox } from './adapters/sqliteObservationOutbox.ts';
import { SqliteManifestStore } from './adapters/sqliteManifestStore.ts';
import { SqliteTaskStore } from './adapters/sqliteTaskStore.ts';
import { YOLOX_MODEL } from './adapters/detectors/yoloxDetector.ts';
import type { Config } from './config/schema.ts';
import { publicKeyFrom } from './core/tasks/taskSignature.ts';
import { TaskRegistry } from './core/tasks/taskRegistry.ts';
import { Trigger } from './core/trigger/trigger.ts';
import type { Clock } from './ports/clock.ts';
import { CameraArming, type CameraArmingStats } from './services/cameraArming.ts';
import { CameraSupervisor } from './services/cameraSupervisor.ts';
import { CaptureService } from './services/captureService.ts';
import { DropAuditService } from './services/dropAuditService.ts';
import { GpsMonitor } from './services/gpsMonitor.ts';
import { InferenceTimes } from './services/inferenceTimes.ts';
import { hungInferenceMs, Liveness } from './services/liveness.ts';
import { ModelRouter, type RoutingStatus } from './services/modelRouter.ts';
import { ObservationService, type ObservationStats } from './services/observationService.ts';
import { part, startParts, type Part } from './services/parts.ts';
import { RetentionService } from './services/retentionService.ts';
import { RoutedModels } from './services/routedModels.ts';
import { StatusMetrics } from './services/statusMetrics.ts';
import { StatusReport, type VehicleStatus } from './services/statusReport.ts';
import { StatusService } from './services/statusService.ts';
import { stopParts, type Stoppable } from './services/stopParts.ts';
import { TaskService } from './services/taskService.ts';
import { TaskSyncService } from './services/taskSyncService.ts';
import { UploadService, type UploadStats } from './services/uploadService.ts';
import type { CaptureStats } from './services/captureStats.ts';

export const AGENT_VERSION = '0.1.0';
/** The status warning while tasks need no signature (tasks.allowUnsigned without tasks.publicKeys). */
export const UNSIGNED_TASKS_WARNING = 'unsigned tasks allowed';
/** How long one part may take to stop before the rest are stopped without it (see stop()). */
const STOP_TIMEOUT_MS = 8_000;

/** The counters of a running agent, typed (the status carries them too), for a harness that drives it. */
export interface AgentFigures {
  readonly capture: CaptureStats;
  readonly camera: CameraArmingStats;
  readonly queue: { readonly pending: number; readonly bytes: number; readonly parked: number };
  readonly upload: UploadStats;
  readonly observations: ObservationStats;
  readonly routing: RoutingStatus;
}

/** What a running agent offers its caller (`run`, the demo): start, stop, its status, its counters, its liveness. */
export interface Agent {
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  snapshot(): VehicleStatus;
  figures(): AgentFigures;
  alive(): boolean;
}

export class App implements Agent {
  private readonly parts: readonly Part[];
  private started: Stoppable[] = [];
  private readonly report: StatusReport;
  private readonly liveness: Liveness;
  private readonly counters: () => AgentFigures;

  constructor(
    private readonly config: Config,
    clock: Clock,
    private readonly logger: Logger,
  ) {
    const log = (component: string) => logger.child({ component });
    const registry = new TaskRegistry();

    // Adapters: one per port, built by the port's factory from its config keys.
    const gps = createGps(config, log('gps'), clock);
    const camera = createCamera(config, log('camera'));
    const channel = createTaskChannel(config, log('mqtt'));

    // Stores, each its own SQLite file under dataDir.
    const queue = new SqliteEvidenceQueue(
      {
        dataDir: config.dataDir,
        nowMs: () => clock.nowMs(),
        // A quota hit mid-drive is dealt with at once, not at the next sweep.
        onAdded: () => retention.poke(),
        ...(config.storage.keyFile !== undefined ? { keyFile: config.storage.keyFile } : {}),
      },
      log('queue'),
    );
    const taskStore = new SqliteTaskStore({
      dataDir: config.dataDir,
      onError: (err) => logger.error({ component: 'tasks', err: err.message }, 'task store write failed; retried with the next write'),
    });
    const manifestStore = new SqliteManifestStore({ dataDir: config.dataDir });
    const outbox = new SqliteObservationOutbox({ dataDir: config.dataDir, nowMs: () => clock.nowMs() });

    // Models: the object models the router asks (YOLOX-nano also guides redaction), and the redactor.
    const inference = new InferenceTimes(clock);
    const router = new ModelRouter({ marginScore: config.models.unsureMargin }, log('models'));
    const modelFiles = { modelsDir: config.models.dir, threads: config.models.threads };
    const objects = createDetector(YOLOX_MODEL, modelFiles);
    const models = new RoutedModels(
      [
        { model: routableModel(YOLOX_MODEL), detector: objects, optional: false },
        // The dearer second opinion on COCO classes: without its file the agent runs on YOLOX alone.
        { model: routableModel(PICODET_MODEL), detector: createDetector(PICODET_MODEL, modelFiles), optional: true },
      ],
      router,
      (detector) => inference.detector(detector),
      log('models'),
    );
    // The redactor searches its person and vehicle tiles with the task model: one YOLOX session, not two. The
    // objects part starts before the redactor and stops after it.
    // The camera's geometry places the rows searched for far faces and plates on each frame.
    const redactor = createRedactor(config.redaction, { dir: config.models.dir, threads: config.models.threads, objects }, config.camera);

    // Services.
    const retention = new RetentionService(
      {
        dataDir: config.dataDir,
        maxBytes: config.storage.maxBytes,
        minFreeBytes: config.storage.minFreeBytes,
        sweepEveryMs: config.storage.sweepEveryMs,
        busy: () => upload.uploading,
      },
      queue,
      clock,
      log('retention'),
    );
    const tasks = new TaskService(
      {
        knownLabels: objects.labels,
        taskFiles: config.tasks.files,
        ids: { fleetId: config.fleetId, vehicleId: config.vehicleId },
        maxHeld: config.tasks.maxHeld,
        maxHeldBytes: config.tasks.maxHeldBytes,
        limits: { maxBytes: config.tasks.maxBytes, maxAreaKm2: config.tasks.maxAreaKm2, publicKeys: config.tasks.publicKeys.map(publicKeyFrom) },
        expireEveryMs: config.tasks.expireEveryMs,
        onTaskChanged: (task) => retention.taskChanged(task),
      },
      registry,
      channel,
      clock,
      log('tasks'),
      taskStore,
      () => queue.audit,
    );
    const taskSync = new TaskSyncService(
      {
        vehicleId: config.vehicleId,
        fleetId: config.fleetId,
        publicKeys: config.tasks.publicKeys.map(publicKeyFrom),
        maxManifestBytes: config.tasks.sync.maxManifestBytes,
        batchSize: config.tasks.sync.batchSize,
        suspectQueued: config.tasks.sync.brokerMaxQueued,
        retryMs: config.tasks.sync.retryS * 1000,
      },
      channel,
      registry,
      manifestStore,
      log('task-sync'),
      () => queue.audit,
    );
    const observations = new ObservationService({ maxQueued: config.observations.maxQueued }, outbox, channel, log('observations'), () => queue.audit);
    const clockGuard = new ClockGuard({ maxSkewMs: config.clock.maxSkewS * 1000 }, gps, clock, log('clock'));
    const trigger = new Trigger({
      ...config.trigger,
      maxAheadMs: config.clock.maxSkewS * 1000,
      camera: { headingOffsetDeg: config.camera.headingOffsetDeg, fovDeg: config.camera.fovDeg, rangeM: config.camera.rangeM },
    });
    const arming = new CameraArming(
      { armDistanceM: config.camera.armDistanceM, armSeconds: config.camera.armSeconds },
      { gps, registry, trigger, camera, clock, logger: log('camera') },
    );
    const cameraSupervisor = new CameraSupervisor({}, camera, arming, clock, log('camera'));
    const capture = new CaptureService(
      { vehicleId: config.vehicleId, fleetId: config.fleetId, grabTimeoutMs: config.camera.grabTimeoutMs, maxPendingFrames: config.capture.maxPendingFrames },
      {
        gps,
        registry,
        trigger,
        camera,
        objects: inference.detector(objects),
        redactor: inference.redactor(redactor),
        queue,
        clock,
        logger: log('capture'),
        observations,
        router,
        clockUsable: () => clockGuard.usable(),
      },
    );
    const upload = new UploadService(config.upload, queue, createUploader(config), clock, log('upload'));
    const dropAudit = new DropAuditService(config.storage.sweepEveryMs, () => capture.stats, () => queue.audit);
    const gpsMonitor = new GpsMonitor(gps, clock);
    // The audit off the vehicle: the signed head on MQTT, the records at the ingest (docs/security.md).
    let signingKey: KeyObject | null = null;
    const auditHead = new AuditHeadService(
      { vehicleId: config.vehicleId, intervalMs: config.audit.headIntervalS * 1000 },
      () => queue.auditLedger,
      () => signingKey,
      (payload) => channel.publishAuditHead(payload),
      clock,
      log('audit'),
    );
    const ingestBase = config.ingest.url.replace(/\/+$/, '');
    const auditShip = new AuditShipService(
      {
        vehicleId: config.vehicleId,
        everyMs: config.audit.shipEveryS * 1000,
        maxRecords: config.audit.shipMaxRecords,
        ...(config.audit.keepShippedDays !== undefined ? { keepShippedMs: config.audit.keepShippedDays * 86_400_000 } : {}),
      },
      () => queue.auditLedger,
      (name, body, signal) =>
        verifiedPut({ token: config.ingest.token, timeoutMs: config.ingest.timeoutMs }, `${ingestBase}/${name}`, name, body, 'application/x-ndjson', signal),
      (seq, hash) => JSON.stringify(signAuditHead({ vehicleId: config.vehicleId, seq, hash, at: new Date(clock.nowMs()).toISOString() }, signingKey)),
      clock,
      log('audit'),
    );
    const audit = {
      start: async () => {
        signingKey = config.audit.signingKeyFile === undefined ? null : loadSigningKey(config.audit.signingKeyFile);
        await auditHead.start();
        await auditShip.start();
      },
      stop: async () => {
        await auditShip.stop();
        await auditHead.stop();
      },
    };
    let metrics: MetricsServer | null = null;
    this.report = new StatusReport(
      {
        version: AGENT_VERSION,
        vehicleId: config.vehicleId,
        fleetId: config.fleetId,
        startedAtMs: clock.nowMs(),
        dataDir: config.dataDir,
        clock,
        registry,
        gps: () => gpsMonitor.condition(),
        camera: () => camera.condition(),
        arming: () => arming.stats(),
        supervisor: () => cameraSupervisor.stats,
        queue: () => queue.counts(),
        upload: () => upload.stats,
        capture: () => capture.stats,
        inference: () => inference.figures(),
        clockCheck: () => clockGuard.condition(),
        metricsError: () => metrics?.error ?? null,
        warnings: () => this.warnings,
        taskSync: () => taskSync.figures(),
        extra: () => ({
          taskMessages: { ...tasks.stats },
          retention: { ...retention.stats },
          observations: { ...observations.stats },
          audit: { headSeq: auditHead.lastPublished?.seq ?? null, signed: signingKey !== null, ...auditShip.stats },
          routing: router.status(new Set(registry.all().map((t) => t.id))),
        }),
      },
      { noFixMs: config.status.noFixDegradedS * 1000, minFreeBytes: config.storage.minFreeBytes, maxClockSkewMs: config.clock.maxSkewS * 1000 },
    );
    const status = new StatusService({ intervalMs: config.status.intervalS * 1000 }, channel, () => this.snapshot(), log('status'));
    metrics =
      config.metrics.port === undefined ? null : new MetricsServer({ port: config.metrics.port }, new StatusMetrics(() => this.report.collect()), log('metrics'));
    this.liveness = new Liveness({ maxInferenceMs: hungInferenceMs(config.redaction.deadlineMs) }, () => inference.longestRunningMs(), log('watchdog'));

    // Readable before start and after stop too (a harness prints them once the agent has stopped): the queue's
    // counts are those of its last look while it was open.
    let queueCounts = { pending: 0, bytes: 0, parked: 0 };
    const lastQueueCounts = () => {
      try {
        queueCounts = queue.counts();
      } catch {
        // Not open (before start, after stop): the last counts stand.
      }
      return queueCounts;
    };
    this.counters = () => ({
      capture: capture.stats,
      camera: arming.stats(),
      queue: lastQueueCounts(),
      upload: upload.stats,
      observations: observations.stats,
      routing: router.status(new Set(registry.all().map((t) => t.id))),
    });

    // Started in this order, stopped in reverse: the stores first up and last down; the camera released only after
    // arming and its supervisor are gone; the position source after everything that listens to its fixes.
    this.parts = [
      part('queue', queue),
      part('taskStore', taskStore),
      part('manifestStore', manifestStore),
      part('outbox', outbox),
      part('objects', models),
      part('redactor', redactor),
      part('mqtt', channel),
      // Right after the broker, so it stops right before it: the final head covers every record of this run.
      part('audit', audit),
      part('tasks', tasks),
      // After the task service listens: the sync judges what is held by what the task service has taken.
      part('task-sync', taskSync),
      part('observations', observations),
      part('upload', upload),
      part('retention', retention),
      part('drop-audit', dropAudit),
      part('liveness', this.liveness),
      part('camera', { start: () => undefined, stop: () => camera.stop() }),
      part('camera-arming', arming),
      part('camera-supervisor', cameraSupervisor),
      // Before capture: the guard sees each fix first, so no frame is taken on a fix that shows the clock is off.
      part('clock-guard', clockGuard),
      part('capture', capture),
      part('gps-monitor', gpsMonitor),
      part('gps', gps),
      part('status', status),
      ...(metrics === null ? [] : [part('metrics', metrics)]),
    ];
  }

  /** What the operator should know is unsafe in this configuration: logged at every start, carried in the status. */
  get warnings(): string[] {
    return this.config.tasks.publicKeys.length === 0 ? [UNSIGNED_TASKS_WARNING] : [];
  }

  /** Starts every part in order; on failure, stops what had started and rethrows. */
  async start(signal: AbortSignal): Promise<void> {
    for (const warning of this.warnings) {
      this.logger.warn(
        { component: 'tasks' },
        `${warning}: tasks.allowUnsigned is set and tasks.publicKeys is empty, so anyone who can publish on the broker can point the camera`,
      );
    }
    this.started = await startParts(this.parts, signal, STOP_TIMEOUT_MS, this.logger);
    if (!signal.aborted) this.logger.info({ vehicleId: this.config.vehicleId, version: AGENT_VERSION }, 'agent started');
  }

  /**
   * Stops in reverse order; each step on its own, so one failure does not keep the others running, and one that
   * hangs is left after 8 s: the unit's TimeoutStopSec (30 s) then still leaves time to close the stores.
   */
  async stop(): Promise<void> {
    await stopParts(this.started, STOP_TIMEOUT_MS, this.logger);
  }

  /** How the vehicle is: the retained status message, with its health verdict. */
  snapshot(): VehicleStatus {
    return this.report.collect();
  }

  figures(): AgentFigures {
    return this.counters();
  }

  /** The systemd watchdog's check: false only when the agent is stuck beyond its own repair. */
  alive(): boolean {
    return this.liveness.healthy();
  }
}
