// Which vehicles should answer: the one named, those listed with --expect, or the fleet's vehicles that the
// broker's retained statuses show online.
import type { MqttClient } from 'mqtt';
import type { ManifestScope } from '../../agent/core/tasks/manifest.ts';
import { readFleetView } from './fleetView.ts';

export interface Audience {
  /** Vehicles whose acks are waited for. */
  readonly vehicleIds: string[];
  /** Of them, those whose retained status says offline (their answers come when they connect). */
  readonly offline: Set<string>;
  /** A sentence on how they were chosen. */
  readonly note: string;
}

export async function audienceOf(client: MqttClient, prefix: string, scope: ManifestScope, expect: readonly string[] | undefined, timeoutMs: number): Promise<Audience> {
  const view = await readFleetView(client, prefix, timeoutMs);
  const offline = new Set(view.vehicles.filter((v) => v.state !== 'online').map((v) => v.vehicleId));
  if ('vehicleId' in scope) {
    const known = view.vehicles.find((v) => v.vehicleId === scope.vehicleId);
    if (known === undefined) offline.add(scope.vehicleId);
    return { vehicleIds: [scope.vehicleId], offline, note: known === undefined ? `no status of ${scope.vehicleId} at the broker` : `${scope.vehicleId} is ${known.state}` };
  }
  if (expect !== undefined) {
    for (const v of expect) if (!view.vehicles.some((x) => x.vehicleId === v)) offline.add(v);
    return { vehicleIds: [...expect], offline, note: `${expect.length} vehicle(s) named with --expect` };
  }
  const members = view.vehicles.filter((v) => v.fleetId === scope.fleetId && v.state === 'online').map((v) => v.vehicleId);
  return {
    vehicleIds: members,
    offline,
    note:
      members.length === 0
        ? `no vehicle of fleet ${scope.fleetId} is online at the broker; the retained messages wait for them`
        : `${members.length} vehicle(s) of fleet ${scope.fleetId} online at the broker`,
  };
}
