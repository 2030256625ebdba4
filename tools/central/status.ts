// `central status`: the fleet from the broker's retained statuses — online, health, tasks held against the manifest,
// queue, last upload — as a table, or JSON for scripts.
import { connectCentral, type BrokerOptions } from './connection.ts';
import { readFleetView, type VehicleView } from './fleetView.ts';

export interface StatusOptions {
  readonly broker: BrokerOptions;
  readonly fleet?: string;
  readonly vehicle?: string;
  readonly json?: boolean;
  readonly timeoutMs?: number;
  readonly nowMs?: number;
  readonly write?: (text: string) => void;
}

/** 0 when every vehicle shown is online, ok and holds what it was assigned; 1 otherwise; 3 when none is known. */
export async function centralStatus(o: StatusOptions): Promise<number> {
  const write = o.write ?? ((text: string) => process.stdout.write(text));
  const client = await connectCentral(o.broker);
  let view;
  try {
    view = await readFleetView(client, o.broker.prefix, o.timeoutMs ?? 10_000);
  } finally {
    await client.endAsync();
  }
  const vehicles = view.vehicles.filter((v) => (o.fleet === undefined || v.fleetId === o.fleet) && (o.vehicle === undefined || v.vehicleId === o.vehicle));
  if (o.json) write(`${JSON.stringify({ complete: view.complete, vehicles }, null, 2)}\n`);
  else {
    write(`${statusTable(vehicles, o.nowMs ?? Date.now()).join('\n')}\n`);
    if (!view.complete) write('the broker did not hand over every retained status in time: the list may be incomplete\n');
  }
  if (vehicles.length === 0) return 3;
  return vehicles.every((v) => v.state === 'online' && v.health === 'ok' && (v.taskSync?.missing ?? 0) === 0) ? 0 : 1;
}

export function statusTable(vehicles: readonly VehicleView[], nowMs: number): string[] {
  if (vehicles.length === 0) return ['no vehicle has a retained status at this broker'];
  const header = ['vehicle', 'fleet', 'state', 'health', 'tasks held', 'queue', 'last upload', 'status from', 'reasons'];
  const rows = vehicles.map((v) => [
    v.vehicleId,
    v.fleetId ?? '-',
    v.state,
    v.health ?? '-',
    tasksCell(v),
    v.queue === null ? '-' : `${v.queue.pending} (${mib(v.queue.bytes)})${v.queue.parked > 0 ? `, ${v.queue.parked} parked` : ''}`,
    ago(v.lastUploadAt, nowMs),
    ago(v.statusAt, nowMs),
    v.reasons.join('; '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/** "held/expected" from the vehicle's own check, else held against what the retained manifests assign. */
function tasksCell(v: VehicleView): string {
  if (v.taskSync !== null) return `${v.taskSync.held}/${v.taskSync.expected}${v.taskSync.missing > 0 ? ` (${v.taskSync.missing} missing)` : ''}`;
  if (v.tasksHeld === null) return v.tasksAssigned === null ? '-' : `?/${v.tasksAssigned}`;
  return v.tasksAssigned === null ? `${v.tasksHeld}` : `${v.tasksHeld}/${v.tasksAssigned}`;
}

function mib(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function ago(iso: string | null, nowMs: number): string {
  if (iso === null) return '-';
  const s = Math.round((nowMs - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return '-';
  if (s < 0) return `in ${-s} s (clock ahead)`;
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}
