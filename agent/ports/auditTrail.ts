// Audit trail port: append-only record of what the agent decided about tasks and evidence (never pixels).
export type AuditKind =
  | 'task-accepted'
  | 'task-withdrawn'
  | 'task-rejected'
  | 'task-cleared'
  | 'captured'
  | 'frames-dropped'
  | 'uploaded'
  | 'upload-parked'
  | 'deleted'
  | 'retention-shortened'
  | 'observations-dropped'
  | 'manifest-accepted'
  | 'manifest-rejected'
  | 'lost';

export interface AuditEntry {
  readonly kind: AuditKind;
  readonly taskId?: string | null;
  readonly evidenceId?: string | null;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface AuditTrail {
  /** Appends one record durably; throws only when the store itself fails. */
  record(entry: AuditEntry): void;
}
