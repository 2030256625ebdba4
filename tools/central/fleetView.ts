// The fleet as the broker holds it: every vehicle's retained status, and the manifests of vehicles and fleets.
import type { MqttClient } from 'mqtt';
import { manifestSchema, type Manifest } from '../../agent/core/tasks/manifest.ts';
import { statusSchema } from '../../agent/core/tasks/messages.ts';
import { readRetained } from './retained.ts';

export interface TaskSyncFigures {
  readonly held: number;
  readonly expected: number;
  readonly missing: number;
}

export interface VehicleView {
  readonly vehicleId: string;
  readonly fleetId: string | null;
  /** online / offline from the status; unreadable when the retained status is not one. */
  readonly state: 'online' | 'offline' | 'unreadable';
  readonly health: 'ok' | 'degraded' | null;
  readonly reasons: readonly string[];
  /** When the status was made (vehicle clock); null for a last will, which carries no time. */
  readonly statusAt: string | null;
  /** Tasks held, as the status says. */
  readonly tasksHeld: number | null;
  /** The vehicle's own check against its manifest (status.taskSync), where it reports one. */
  readonly taskSync: TaskSyncFigures | null;
  /** Tasks assigned by the retained manifests (the vehicle's own and its fleet's, merged); null without any. */
  readonly tasksAssigned: number | null;
  readonly queue: { readonly pending: number; readonly bytes: number; readonly parked: number } | null;
  readonly lastUploadAt: string | null;
}

export interface FleetView {
  readonly vehicles: VehicleView[];
  /** False when the broker did not hand over everything in time. */
  readonly complete: boolean;
}

const STATUS_TOPIC = /^(?:.*)\/vehicle\/([^/]+)\/status$/;

export async function readFleetView(client: MqttClient, prefix: string, timeoutMs: number): Promise<FleetView> {
  const read = await readRetained(client, prefix, [`${prefix}/vehicle/+/status`, `${prefix}/vehicle/+/manifest`, `${prefix}/fleet/+/manifest`], timeoutMs);
  const manifests = new Map<string, Manifest>();
  for (const [topic, payload] of read.messages) {
    if (!topic.endsWith('/manifest')) continue;
    const parsed = manifestSchema.safeParse(parseJson(payload));
    if (parsed.success) manifests.set(topic, parsed.data);
  }
  const vehicles: VehicleView[] = [];
  // Vehicles without a manifest of their own share their fleet's count: worked out once per fleet.
  const perFleet = new Map<string | null, number | null>();
  for (const [topic, payload] of read.messages) {
    const vehicleId = STATUS_TOPIC.exec(topic)?.[1];
    if (vehicleId === undefined || !topic.startsWith(`${prefix}/vehicle/`)) continue;
    const ownManifest = manifests.has(`${prefix}/vehicle/${vehicleId}/manifest`);
    vehicles.push(
      viewOf(vehicleId, parseJson(payload), (fleetId) => {
        if (ownManifest) return assigned(manifests, prefix, vehicleId, fleetId);
        if (!perFleet.has(fleetId)) perFleet.set(fleetId, assigned(manifests, prefix, vehicleId, fleetId));
        return perFleet.get(fleetId)!;
      }),
    );
  }
  vehicles.sort((a, b) => (a.vehicleId < b.vehicleId ? -1 : a.vehicleId > b.vehicleId ? 1 : 0));
  return { vehicles, complete: read.complete };
}

function viewOf(vehicleId: string, raw: unknown, assignedTo: (fleetId: string | null) => number | null): VehicleView {
  const parsed = statusSchema.safeParse(raw);
  if (!parsed.success) {
    return { vehicleId, fleetId: null, state: 'unreadable', health: null, reasons: ['the retained status is not a status message'], statusAt: null, tasksHeld: null, taskSync: null, tasksAssigned: assignedTo(null), queue: null, lastUploadAt: null };
  }
  const s = parsed.data as typeof parsed.data & { fleetId?: unknown; taskSync?: unknown };
  const fleetId = typeof s.fleetId === 'string' ? s.fleetId : null;
  return {
    vehicleId,
    fleetId,
    state: s.state,
    health: s.state === 'online' ? (s.health ?? null) : null,
    reasons: s.state === 'online' ? (s.reasons ?? []) : [],
    statusAt: s.at ?? null,
    tasksHeld: s.tasks ?? null,
    taskSync: taskSyncOf(s.taskSync),
    tasksAssigned: assignedTo(fleetId),
    queue: s.queue === undefined ? null : { pending: s.queue.pending, bytes: s.queue.bytes, parked: s.queue.parked },
    lastUploadAt: s.upload?.lastUploadAt ?? null,
  };
}

function taskSyncOf(raw: unknown): TaskSyncFigures | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { held, expected, missing } = raw as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);
  const [h, e, m] = [n(held), n(expected), n(missing)];
  return h === null || e === null || m === null ? null : { held: h, expected: e, missing: m };
}

/** Distinct tasks the vehicle's own manifest and its fleet's list together; null when neither is retained. */
function assigned(manifests: ReadonlyMap<string, Manifest>, prefix: string, vehicleId: string, fleetId: string | null): number | null {
  const own = manifests.get(`${prefix}/vehicle/${vehicleId}/manifest`);
  const fleet = fleetId === null ? undefined : manifests.get(`${prefix}/fleet/${fleetId}/manifest`);
  if (own === undefined && fleet === undefined) return null;
  return new Set([...(own?.tasks ?? []), ...(fleet?.tasks ?? [])].map((t) => t.id)).size;
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
}
