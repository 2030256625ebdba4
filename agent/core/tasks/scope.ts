// The audience of a task or withdrawal, covered by its signature: one fleet or one vehicle, which must be the one
// whose topic it arrived on, so a message signed for one fleet cannot be replayed on another's.
import { z } from 'zod';
import { quote } from './ackText.ts';

const idPart = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" and "_" only, at most 64');

export const scopeSchema = z
  .union([
    z.strictObject({ fleetId: idPart.describe('Every vehicle of this fleet (the message arrives on the fleet topic)') }),
    z.strictObject({ vehicleId: idPart.describe('This one vehicle (the message arrives on its own topic)') }),
  ])
  .describe('Whom the message is for, covered by its signature; required on signed messages; must match the topic it arrives on');

export type Scope = z.infer<typeof scopeSchema>;

/** Where a message came from: a fleet topic, the vehicle's own topic, or a task file on the vehicle (null). */
export type Audience = 'fleet' | 'vehicle' | null;

export interface OwnIds {
  readonly fleetId: string;
  readonly vehicleId: string;
}

/** Null when the scope fits where the message arrived; else why not. `required`: signatures are enforced. */
export function scopeProblem(scope: Scope | undefined, audience: Audience, ids: OwnIds, required: boolean): string | null {
  if (scope === undefined) {
    return required ? 'a signed message must name its audience: scope {"fleetId": …} or {"vehicleId": …}, covered by the signature' : null;
  }
  const forFleet = 'fleetId' in scope;
  const named = forFleet ? `fleet "${quote(scope.fleetId)}"` : `vehicle "${quote(scope.vehicleId)}"`;
  const fits = forFleet ? scope.fleetId === ids.fleetId : scope.vehicleId === ids.vehicleId;
  if (audience === 'fleet' && !(forFleet && fits)) return `the message is for ${named} but arrived on the topic of fleet "${ids.fleetId}"`;
  if (audience === 'vehicle' && !(!forFleet && fits)) return `the message is for ${named} but arrived on the topic of vehicle "${ids.vehicleId}"`;
  if (audience === null && !fits) return `the message is for ${named}, not for this vehicle ("${ids.vehicleId}" of fleet "${ids.fleetId}")`;
  return null;
}
