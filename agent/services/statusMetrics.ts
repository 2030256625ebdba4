// The status as Prometheus metrics (prom-client, an own registry, no globals): gauges for levels, counters for
// totals; a figure the vehicle cannot know (no fix yet, no thermal sensor) is left out rather than reported as 0.
import { Counter, Gauge, Registry } from 'prom-client';
import type { ModelCounts } from '../core/detection/modelRouting.ts';
import type { VehicleStatus } from './statusReport.ts';

type Read = (s: VehicleStatus) => number | null | undefined;

const CAMERA_STATES = ['off', 'starting', 'running', 'failed'] as const;

export class StatusMetrics {
  readonly registry = new Registry();
  private current: VehicleStatus | null = null;

  constructor(private readonly collect: () => VehicleStatus) {
    const bool = (v: boolean | null | undefined) => (v === null || v === undefined ? null : v ? 1 : 0);
    this.gauge('tilsyn_health_ok', '1 when the vehicle is ok, 0 when degraded (see the status reasons)', (s) => (s.health === 'ok' ? 1 : 0));
    this.gauge('tilsyn_uptime_seconds', 'Seconds since the agent started', (s) => s.uptimeS);
    this.gauge('tilsyn_tasks_held', 'Tasks held', (s) => s.tasks);
    this.gauge('tilsyn_tasks_active', 'Tasks in force now', (s) => s.activeTasks);
    this.gauge('tilsyn_gps_connected', '1 while gpsd is reachable (absent for a replayed file)', (s) => bool(s.gps?.connected));
    this.gauge('tilsyn_gps_fix_mode', 'Mode of the last fix: 0/1 none, 2 = 2D, 3 = 3D', (s) => s.gps?.mode);
    this.gauge('tilsyn_gps_fix_age_seconds', 'Seconds since the last usable fix', (s) => s.gps?.fixAgeS);
    this.gauge('tilsyn_gps_error_meters', 'Horizontal error of the last fix, metres', (s) => s.gps?.errorM);
    this.gauge('tilsyn_camera_armed', '1 while an active task area is near and the camera should run', (s) => bool(s.camera?.armed));
    this.counter('tilsyn_camera_on_seconds_total', 'Time the camera ran since start, seconds', (s) => (s.camera === undefined ? null : s.camera.onMs / 1000));
    this.counter('tilsyn_camera_starts_total', 'Camera starts for a task area', (s) => s.camera?.starts);
    this.counter('tilsyn_camera_restarts_total', 'Camera restarts after a failure or stall', (s) => s.camera?.restarts);
    this.gauge('tilsyn_queue_items', 'Evidence items waiting for upload', (s) => s.queue?.pending);
    this.gauge('tilsyn_queue_bytes', 'Bytes of evidence waiting for upload', (s) => s.queue?.bytes);
    this.gauge('tilsyn_queue_parked_items', 'Evidence items the ingest refused for good', (s) => s.queue?.parked);
    this.counter('tilsyn_uploads_total', 'Evidence items uploaded since start', (s) => s.upload?.uploaded);
    this.counter('tilsyn_upload_failures_total', 'Failed upload attempts since start', (s) => s.upload?.failedAttempts);
    this.gauge('tilsyn_last_upload_timestamp_seconds', 'When the last item was uploaded (Unix time)', (s) =>
      s.upload?.lastUploadAt ? Date.parse(s.upload.lastUploadAt) / 1000 : null,
    );
    this.gauge('tilsyn_detector_p95_milliseconds', '95th percentile of the last 100 detections, ms', (s) => s.detector?.p95Ms);
    this.counter('tilsyn_detections_total', 'Detections since start', (s) => s.detector?.count);
    this.gauge('tilsyn_redaction_p95_milliseconds', '95th percentile of the last 100 redactions, ms', (s) => s.redaction?.p95Ms);
    this.counter('tilsyn_redactions_total', 'Frames redacted since start', (s) => s.redaction?.count);
    this.counter('tilsyn_redaction_failures_total', 'Frames dropped because redaction failed or overran its deadline', (s) => s.redaction?.failures);
    this.counter('tilsyn_frames_captured_total', 'Frames taken from the camera since start', (s) => num(s['capture'], 'framesCaptured'));
    this.counter('tilsyn_evidence_queued_total', 'Redacted evidence items queued since start', (s) => num(s['capture'], 'evidenceQueued'));
    this.counter('tilsyn_evidence_deleted_total', 'Evidence deleted unsent since start: retention ran out or over the disk quota', (s) => num(s['retention'], 'deleted'));
    this.gauge('tilsyn_observations_waiting', 'Observations waiting in the outbox for the broker', (s) => num(s['observations'], 'waiting'));
    this.counter('tilsyn_observations_dropped_total', 'Observations dropped unsent from a full outbox since start', (s) => num(s['observations'], 'dropped'));
    this.gauge('tilsyn_clock_skew_seconds', 'System clock minus GPS time at the last fix, seconds', (s) => s.clock?.skewS);
    this.gauge('tilsyn_disk_free_bytes', 'Free bytes on the file system of the data folder', (s) => s.disk?.freeBytes);
    this.gauge('tilsyn_disk_total_bytes', 'Size of the file system of the data folder', (s) => s.disk?.totalBytes);
    this.gauge('tilsyn_cpu_temperature_celsius', 'CPU temperature, where the board reports one', (s) => s.cpuTempC);

    // Asking the right model: per task and model, so the city can judge which model serves which task.
    this.perTaskModel('tilsyn_model_asked_total', 'Frames a model was asked about for a task', (c) => [[{}, c.asked]]);
    this.perTaskModel('tilsyn_model_answers_total', "A model's answers for a task: found, not_found or unsure (inside the band around minConfidence)", (c) => [
      [{ answer: 'found' }, c.found],
      [{ answer: 'not_found' }, c.notFound],
      [{ answer: 'unsure' }, c.unsure],
    ], ['answer']);
    this.perTaskModel('tilsyn_model_escalated_total', 'Unsure answers of a model handed on to the next dearer model', (c) => [[{}, c.escalated]]);
    this.perTaskModel('tilsyn_model_seconds_total', 'Time a model took on the frames of a task, seconds', (c) => [[{}, c.ms / 1000]]);

    const self = this;
    for (const [name, key, help] of [
      ['tilsyn_fixes_rejected_total', 'fixesRejectedBy', 'GPS fixes not used, by reason: no-fix, inaccurate, stale, out-of-order'],
      ['tilsyn_trigger_skips_total', 'triggerSkips', 'Frames not taken for a task inside its area, by reason (entering, speed, pass-full, spacing, …)'],
    ] as const) {
      new Counter({
        name,
        help,
        labelNames: ['reason'],
        registers: [this.registry],
        collect() {
          this.reset();
          const byReason = (self.current?.['capture'] as Record<string, Record<string, number>> | undefined)?.[key] ?? {};
          for (const [reason, n] of Object.entries(byReason)) this.inc({ reason }, n);
        },
      });
    }
    new Counter({
      name: 'tilsyn_task_outcomes_total',
      help: 'Outcomes reported per task: found, not_found, uncertain',
      labelNames: ['task', 'outcome'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [task, t] of Object.entries(self.current?.routing?.tasks ?? {})) {
          for (const [outcome, n] of Object.entries(t.outcomes)) this.inc({ task, outcome }, n);
        }
      },
    });
    new Gauge({
      name: 'tilsyn_camera_state',
      help: 'Camera state: 1 for the current one of off, starting, running, failed',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const state = self.current?.camera?.state;
        for (const s of CAMERA_STATES) this.set({ state: s }, s === state ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tilsyn_info',
      help: 'Always 1; labels say which agent version runs on which vehicle',
      labelNames: ['version', 'vehicle_id'],
      registers: [this.registry],
      collect() {
        this.reset();
        const s = self.current;
        if (s !== null) this.set({ version: s.version ?? '', vehicle_id: s.vehicleId ?? '' }, 1);
      },
    });
  }

  /** The Prometheus text exposition of one fresh status. */
  async text(): Promise<string> {
    this.current = this.collect();
    try {
      return await this.registry.metrics();
    } finally {
      this.current = null;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** A counter labelled task and model (plus `extraLabels`), read from the routing counts of the status. */
  private perTaskModel(name: string, help: string, read: (c: ModelCounts) => [Record<string, string>, number][], extraLabels: string[] = []): void {
    const self = this;
    new Counter({
      name,
      help,
      labelNames: ['task', 'model', ...extraLabels],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [task, t] of Object.entries(self.current?.routing?.tasks ?? {})) {
          for (const [model, c] of Object.entries(t.models)) for (const [labels, value] of read(c)) this.inc({ task, model, ...labels }, value);
        }
      },
    });
  }

  private gauge(name: string, help: string, read: Read): void {
    const self = this;
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        const value = self.current === null ? null : read(self.current);
        if (value === null || value === undefined || !Number.isFinite(value)) this.remove();
        else this.set(value);
      },
    });
  }

  private counter(name: string, help: string, read: Read): void {
    const self = this;
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        // The totals are kept by the services; the counter mirrors them (they only grow while the agent runs).
        const value = self.current === null ? null : read(self.current);
        this.reset();
        if (value === null || value === undefined || !Number.isFinite(value) || value < 0) this.remove();
        else this.inc(value);
      },
    });
  }
}

function num(record: unknown, key: string): number | null {
  const v = typeof record === 'object' && record !== null ? (record as Record<string, unknown>)[key] : undefined;
  return typeof v === 'number' ? v : null;
}
