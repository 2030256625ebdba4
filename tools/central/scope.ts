// The audience of a `central` command: one fleet or one vehicle, from --fleet / --vehicle.
import type { ManifestScope } from '../../agent/core/tasks/manifest.ts';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function scopeFrom(options: { fleet?: string; vehicle?: string }): ManifestScope {
  if ((options.fleet === undefined) === (options.vehicle === undefined)) throw new Error('name the audience: --fleet F or --vehicle V (one of them)');
  const id = (options.fleet ?? options.vehicle)!;
  if (!ID.test(id)) throw new Error(`${options.fleet !== undefined ? '--fleet' : '--vehicle'}: letters, digits, "-" and "_" only, at most 64`);
  return options.fleet !== undefined ? { fleetId: id } : { vehicleId: id };
}

export function describeScope(scope: ManifestScope): string {
  return 'vehicleId' in scope ? `vehicle ${scope.vehicleId}` : `fleet ${scope.fleetId}`;
}
