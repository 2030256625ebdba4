// Composition root: the one place that builds adapters from the config, starts them in order and stops them in reverse.
import type { Logger } from 'pino';
import { GpsdClient } from './adapters/gpsdClient.ts';
import { GstreamerCamera } from './adapters/gstreamerCamera.ts';
import { BandwidthLimiter } from './adapters/bandwidthLimiter.ts';
import { HttpUploader } from './adapters/httpUploader.ts';
import { MetricsServer } from './adapters/metricsServer.ts';
import { MqttTaskChannel } from './adapters/mqttTaskChannel.ts';
import { NmeaFileGps } from './adapters/nmeaFileGps.ts';
import { routableModel } from './adapters/modelFiles.ts';
import { OnnxRedactor } from './adapters/onnxRedactor.ts';
import { PICODET_MODEL, PicodetDetector } from './adapters/picodetDetector.ts';
import { SqliteEvidenceQueue } from './adapters/sqliteEvidenceQueue.ts';
import { SqliteObservationOutbox } from './adapters/sqliteObservationOutbox.ts';
import { SqliteTaskStore } from './adapters/sqliteTaskStore.ts';
import { YOLOX_MODEL, YoloxDetector } from './adapters/yoloxDetector.ts';
import type { Config } from './config/schema.ts';
import { TaskRegistry } from './core/tasks/taskRegistry.ts';
import { Trigger } from './core/trigger/trigger.ts';
import { publicKeyFrom } from './core/tasks/taskSignature.ts';
import type { Clock } from './ports/clock.ts';
import type { GpsSource } from './ports/gps.ts';
import { CameraArming } from './services/cameraArming.ts';
import { CameraSupervisor } from './services/cameraSupervisor.ts';
import { CaptureService } from './services/captureService.ts';
import { DropAuditService } from './services/dropAuditService.ts';
import { GpsMonitor } from './services/gpsMonitor.ts';
import { InferenceTimes } from './services/inferenceTimes.ts';
import { Liveness } from './services/liveness.ts';
import { ModelRouter } from './services/modelRouter.ts';
import { ObservationService } from './services/observationService.ts';
import { RetentionService } from './services/retentionService.ts';
import { StatusMetrics } from './services/statusMetrics.ts';
import { StatusReport, type VehicleStatus } from './services/statusReport.ts';
import { StatusService } from './services/statusService.ts';
import { stopParts, type Stoppable } from './services/stopParts.ts';
import { TaskService } from './services/taskService.ts';
import { UploadService } from './services/uploadService.ts';

export const AGENT_VERSION = '0.1.0';
/** The status warning while tasks need no signature (tasks.allowUnsigned without tasks.publicKeys). */
export const UNSIGNED_TASKS_WARNING = 'unsigned tasks allowed';
/** How long one part may take to stop before the rest are stopped without it (see stop()). */
const STOP_TIMEOUT_MS = 8_000;

export class App {
  readonly registry = new TaskRegistry();
  readonly queue: SqliteEvidenceQueue;
  readonly taskStore: SqliteTaskStore;
  readonly objects: YoloxDetector;
  /** The second opinion on COCO classes; optional: without its file the agent runs on YOLOX alone. */
  readonly secondOpinion: PicodetDetector;
  readonly router: ModelRouter;
  readonly redactor: OnnxRedactor;
  readonly camera: GstreamerCamera;
  readonly channel: MqttTaskChannel;
  readonly gps: GpsSource;
  readonly tasks: TaskService;
  readonly trigger: Trigger;
  readonly arming: CameraArming;
  readonly capture: CaptureService;
  readonly upload: UploadService;
  readonly status: StatusService;
  readonly retention: RetentionService;
  readonly dropAudit: DropAuditService;
  readonly gpsMonitor: GpsMonitor;
  readonly cameraSupervisor: CameraSupervisor;
  readonly inference: InferenceTimes;
  readonly liveness: Liveness;
  readonly report: StatusReport;
  readonly metrics: MetricsServer | null;
  readonly outbox: SqliteObservationOutbox;
  readonly observations: ObservationService;
  private readonly started: Stoppable[] = [];
  private readonly startedAtMs: number;

  constructor(
    readonly config: Config,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    const log = (component: string) => logger.child({ component });
    this.startedAtMs = clock.nowMs();
    this.queue = new SqliteEvidenceQueue(
      {
        dataDir: config.dataDir,
        nowMs: () => clock.nowMs(),
        // A quota hit mid-drive is dealt with at once, not at the next sweep.
        onAdded: () => this.retention.poke(),
        ...(config.storage.keyFile !== undefined ? { keyFile: config.storage.keyFile } : {}),
      },
      log('queue'),
    );
    this.objects = new YoloxDetector({ modelsDir: config.models.dir, threads: config.models.threads });
    this.secondOpinion = new PicodetDetector({ modelsDir: config.models.dir, threads: config.models.threads });
    this.router = new ModelRouter({ marginScore: config.models.unsureMargin }, log('models'));
    this.redactor = new OnnxRedactor({
      modelsDir: config.models.dir,
      threads: config.models.threads,
      jpegQuality: config.redaction.jpegQuality,
      deadlineMs: config.redaction.deadlineMs,
      style: config.redaction.style,
    });
    this.camera = new GstreamerCamera(config.camera, log('camera'));
    this.channel = new MqttTaskChannel(
      {
        url: config.mqtt.url,
        prefix: config.mqtt.topicPrefix,
        fleetId: config.fleetId,
        vehicleId: config.vehicleId,
        ...(config.mqtt.username !== undefined ? { username: config.mqtt.username } : {}),
        ...(config.mqtt.password !== undefined ? { password: config.mqtt.password } : {}),
        ...(config.mqtt.caFile !== undefined ? { caFile: config.mqtt.caFile } : {}),
        ...(config.mqtt.certFile !== undefined ? { certFile: config.mqtt.certFile } : {}),
        ...(config.mqtt.keyFile !== undefined ? { keyFile: config.mqtt.keyFile } : {}),
        ...(config.mqtt.clientId !== undefined ? { clientId: config.mqtt.clientId } : {}),
        protocolVersion: config.mqtt.protocolVersion,
        sessionExpiryS: config.mqtt.sessionExpiryS,
        maxPayloadBytes: config.tasks.maxBytes,
      },
      log('mqtt'),
    );
    this.gps =
      config.gps.source === 'gpsd'
        ? new GpsdClient({ host: config.gps.host, port: config.gps.port }, log('gps'))
        : new NmeaFileGps({ path: config.gps.path, speed: config.gps.speed, loop: config.gps.loop }, clock, log('gps'));
    this.taskStore = new SqliteTaskStore({ dataDir: config.dataDir });
    this.tasks = new TaskService(
      {
        knownLabels: this.objects.labels,
        taskFiles: config.tasks.files,
        ids: { fleetId: config.fleetId, vehicleId: config.vehicleId },
        maxHeld: config.tasks.maxHeld,
        maxHeldBytes: config.tasks.maxHeldBytes,
        limits: {
          maxBytes: config.tasks.maxBytes,
          maxAreaKm2: config.tasks.maxAreaKm2,
          publicKeys: config.tasks.publicKeys.map(publicKeyFrom),
        },
        expireEveryMs: config.tasks.expireEveryMs,
        // The stricter retention wins: a new revision may shorten how long evidence already taken is kept.
        onTaskChanged: (task) => {
          const changed = this.queue.capRetention(task.id, task.revision, task.retentionDays);
          if (changed === 0) return;
          logger.info({ taskId: task.id, revision: task.revision, retentionDays: task.retentionDays, items: changed }, 'retention of queued evidence shortened');
          void this.retention.sweep();
        },
      },
      this.registry,
      this.channel,
      clock,
      log('tasks'),
      this.taskStore,
      () => this.queue.audit,
    );
    this.outbox = new SqliteObservationOutbox({ dataDir: config.dataDir, nowMs: () => clock.nowMs() });
    this.observations = new ObservationService(
      { maxInFlight: 20, retryMs: 5_000, ackTimeoutMs: 30_000, maxQueued: config.observations.maxQueued },
      this.outbox,
      this.channel,
      log('observations'),
      () => this.queue.audit,
    );
    this.trigger = new Trigger({
      ...config.trigger,
      camera: { headingOffsetDeg: config.camera.headingOffsetDeg, fovDeg: config.camera.fovDeg, rangeM: config.camera.rangeM },
    });
    this.arming = new CameraArming(
      { armDistanceM: config.camera.armDistanceM, armSeconds: config.camera.armSeconds, disarmMarginM: 50 },
      { gps: this.gps, registry: this.registry, trigger: this.trigger, camera: this.camera, clock, logger: log('camera') },
    );
    this.cameraSupervisor = new CameraSupervisor({}, this.camera, this.arming, clock, log('camera'));
    this.inference = new InferenceTimes(clock);
    this.capture = new CaptureService(
      {
        vehicleId: config.vehicleId,
        fleetId: config.fleetId,
        grabTimeoutMs: config.camera.grabTimeoutMs,
      },
      {
        gps: this.gps,
        registry: this.registry,
        trigger: this.trigger,
        camera: this.camera,
        objects: this.inference.detector(this.objects),
        redactor: this.inference.redactor(this.redactor),
        queue: this.queue,
        clock,
        logger: log('capture'),
        observations: this.observations,
        router: this.router,
      },
    );
    this.upload = new UploadService(
      config.upload,
      this.queue,
      new HttpUploader({
        baseUrl: config.ingest.url,
        token: config.ingest.token,
        timeoutMs: config.ingest.timeoutMs,
        ...(config.upload.maxKbps !== undefined ? { limiter: new BandwidthLimiter(config.upload.maxKbps) } : {}),
      }),
      clock,
      log('upload'),
    );
    this.retention = new RetentionService(
      {
        dataDir: config.dataDir,
        maxBytes: config.storage.maxBytes,
        minFreeBytes: config.storage.minFreeBytes,
        sweepEveryMs: config.storage.sweepEveryMs,
        busy: () => this.upload.uploading,
      },
      this.queue,
      clock,
      log('retention'),
    );
    this.dropAudit = new DropAuditService(config.storage.sweepEveryMs, () => this.capture.stats, () => this.queue.audit);
    this.gpsMonitor = new GpsMonitor(this.gps, clock);
    this.report = new StatusReport(
      {
        version: AGENT_VERSION,
        vehicleId: config.vehicleId,
        startedAtMs: this.startedAtMs,
        dataDir: config.dataDir,
        clock,
        registry: this.registry,
        gps: () => this.gpsMonitor.condition(),
        camera: () => this.camera.condition(),
        arming: () => this.arming.stats(),
        supervisor: () => this.cameraSupervisor.stats,
        queue: () => this.queue.counts(),
        upload: () => this.upload.stats,
        capture: () => this.capture.stats,
        inference: () => this.inference.figures(),
        warnings: () => this.warnings,
        extra: () => ({
          taskMessages: { ...this.tasks.stats },
          retention: { ...this.retention.stats },
          observations: { ...this.observations.stats },
          routing: this.router.status(new Set(this.registry.all().map((t) => t.id))),
        }),
      },
      { noFixMs: config.status.noFixDegradedS * 1000, minFreeBytes: config.storage.minFreeBytes },
    );
    this.status = new StatusService({ intervalMs: config.status.intervalS * 1000 }, this.channel, () => this.snapshot(), log('status'));
    this.metrics =
      config.metrics.port === undefined ? null : new MetricsServer({ port: config.metrics.port }, new StatusMetrics(() => this.report.collect()), log('metrics'));
    // A hung model never returns: well past any deadline, the watchdog lets systemd restart the agent.
    this.liveness = new Liveness({ maxInferenceMs: Math.max(60_000, 10 * config.redaction.deadlineMs) }, () => this.inference.longestRunningMs(), log('watchdog'));
  }

  /** What the operator should know is unsafe in this configuration: logged at every start, carried in the status. */
  get warnings(): string[] {
    return this.config.tasks.publicKeys.length === 0 ? [UNSIGNED_TASKS_WARNING] : [];
  }

  /** Starts every part in dependency order; on failure, stops what had started and rethrows. */
  async start(signal: AbortSignal): Promise<void> {
    for (const warning of this.warnings) {
      this.logger.warn({ component: 'tasks' }, `${warning}: tasks.allowUnsigned is set and tasks.publicKeys is empty, so anyone who can publish on the broker can point the camera`);
    }
    const steps: [string, () => Promise<void>, () => Promise<void>][] = [
      ['queue', () => this.queue.start(), () => this.queue.stop()],
      ['taskStore', () => this.taskStore.start(), () => this.taskStore.stop()],
      ['outbox', () => this.outbox.start(), () => this.outbox.stop()],
      ['objects', () => this.startObjects(), async () => undefined],
      ['redactor', () => this.redactor.start(), async () => undefined],
      ['mqtt', () => this.channel.start(signal), () => this.channel.stop()],
      ['tasks', () => this.tasks.start(), () => this.tasks.stop()],
      ['observations', () => this.observations.start(), () => this.observations.stop()],
      ['upload', () => this.upload.start(), () => this.upload.stop()],
      ['retention', () => this.retention.start(), () => this.retention.stop()],
      ['drop-audit', () => this.dropAudit.start(), () => this.dropAudit.stop()],
      ['liveness', async () => this.liveness.start(), async () => this.liveness.stop()],
      ['camera', () => this.arming.start(signal), () => this.arming.stop()],
      ['camera-supervisor', () => this.cameraSupervisor.start(), () => this.cameraSupervisor.stop()],
      ['capture', () => this.capture.start(), () => this.capture.stop()],
      ['gps-monitor', () => this.gpsMonitor.start(), () => this.gpsMonitor.stop()],
      ['gps', () => this.gps.start(signal), () => this.gps.stop()],
      ['status', () => this.status.start(), () => this.status.stop()],
      ['metrics', async () => this.metrics?.start(), async () => this.metrics?.stop()],
    ];
    for (const [name, start, stop] of steps) {
      if (signal.aborted) break;
      try {
        await start();
      } catch (err) {
        this.logger.fatal({ component: name, err: (err as Error).message }, 'start failed');
        await this.stop();
        throw err;
      }
      this.started.push({ name, stop });
    }
    this.logger.info({ vehicleId: this.config.vehicleId, version: AGENT_VERSION }, 'agent started');
  }

  /**
   * Loads the object models once: YOLOX-nano must load (it also guides redaction); PicoDet-S, the dearer second
   * opinion, may be missing — then unsure answers stay uncertain, and the log and status say so.
   */
  private async startObjects(): Promise<void> {
    await this.objects.start();
    this.router.use(routableModel(YOLOX_MODEL), this.inference.detector(this.objects));
    try {
      await this.secondOpinion.start();
      this.router.use(routableModel(PICODET_MODEL), this.inference.detector(this.secondOpinion));
    } catch (err) {
      this.router.markMissing(PICODET_MODEL);
      this.logger.warn(
        { component: 'models', model: PICODET_MODEL, err: (err as Error).message },
        'second-opinion model not loaded: tasks are judged by YOLOX-nano alone; unsure answers are reported as uncertain',
      );
    }
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

  /** The systemd watchdog's check: false only when the agent is stuck beyond its own repair. */
  alive(): boolean {
    return this.liveness.healthy();
  }
}
