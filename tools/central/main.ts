// `npm run central -- …`: the city's side of the task contract — publish and withdraw signed tasks with their
// manifest, and see the fleet. Not shipped to vehicles.
import { Command } from 'commander';
import type { BrokerOptions } from './connection.ts';
import { centralPublish } from './publish.ts';
import { scopeFrom } from './scope.ts';
import { centralStatus } from './status.ts';
import { centralWithdraw } from './withdraw.ts';

interface BrokerFlags {
  broker: string;
  prefix: string;
  caFile?: string;
  certFile?: string;
  certKeyFile?: string;
  username?: string;
  passwordFile?: string;
}

function withBroker(command: Command): Command {
  return command
    .requiredOption('--broker <url>', 'the broker: mqtt://, mqtts://, ws:// or wss://')
    .option('--prefix <prefix>', 'topic prefix, as the vehicles\' mqtt.topicPrefix', 'tilsyn/v1')
    .option('--ca-file <file>', 'PEM: the CA of the broker\'s certificate')
    .option('--cert-file <file>', 'PEM: client certificate, for mutual TLS')
    .option('--cert-key-file <file>', 'PEM: the key of the client certificate')
    .option('--username <name>', 'login name, where the broker wants one')
    .option('--password-file <file>', 'a file holding the password');
}

function brokerOf(f: BrokerFlags): BrokerOptions {
  return {
    url: f.broker,
    prefix: f.prefix.replace(/\/+$/, ''),
    ...(f.caFile !== undefined ? { caFile: f.caFile } : {}),
    ...(f.certFile !== undefined ? { certFile: f.certFile } : {}),
    ...(f.certKeyFile !== undefined ? { certKeyFile: f.certKeyFile } : {}),
    ...(f.username !== undefined ? { username: f.username } : {}),
    ...(f.passwordFile !== undefined ? { passwordFile: f.passwordFile } : {}),
  };
}

function seconds(flag: string, value: string): number {
  const s = Number(value);
  if (!Number.isFinite(s) || s < 0 || s > 86_400) throw new Error(`${flag}: seconds, 0 to 86400`);
  return s * 1000;
}

function list(value: string): string[] {
  return value.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
}

interface AudienceFlags extends BrokerFlags {
  key: string;
  fleet?: string;
  vehicle?: string;
  waitS: string;
  expect?: string;
  resetManifest?: boolean;
  json?: boolean;
}

const program = new Command().name('central').description('the city\'s side of tilsyn\'s task contract').showHelpAfterError();

withBroker(
  program
    .command('publish')
    .description('sign tasks for a fleet or a vehicle, publish them retained, update the manifest, print the vehicles\' acks')
    .argument('<files...>', 'task JSON files (a task, or an array of tasks, per file)'),
)
  .requiredOption('--key <file>', 'Ed25519 private key (PEM) whose public key the vehicles trust (tasks.publicKeys)')
  .option('--fleet <id>', 'publish to every vehicle of this fleet')
  .option('--vehicle <id>', 'publish to this one vehicle')
  .option('--wait-s <s>', 'how long to wait for the acks, all together', '30')
  .option('--expect <ids>', 'vehicles to wait for, comma-separated (default: the fleet\'s vehicles online at the broker)')
  .option('--reset-manifest', 'start a new manifest instead of adding to the retained one')
  .option('--json', 'the outcome as JSON')
  .action(async (files: string[], f: AudienceFlags) => {
    const outcome = await centralPublish({
      broker: brokerOf(f),
      keyFile: f.key,
      scope: scopeFrom(f),
      files,
      waitMs: seconds('--wait-s', f.waitS),
      ...(f.expect !== undefined ? { expect: list(f.expect) } : {}),
      resetManifest: f.resetManifest === true,
      json: f.json === true,
    });
    process.exitCode = outcome.code;
  });

withBroker(
  program
    .command('withdraw')
    .description('withdraw tasks with a signed withdrawal, update the manifest, print the vehicles\' acks')
    .argument('<ids...>', 'task ids'),
)
  .requiredOption('--key <file>', 'Ed25519 private key (PEM) whose public key the vehicles trust')
  .option('--fleet <id>', 'the tasks were published to this fleet')
  .option('--vehicle <id>', 'the tasks were published to this vehicle')
  .option('--revision <n>', 'the withdrawal\'s revision (one task; default: one above the highest seen)')
  .option('--wait-s <s>', 'how long to wait for the acks, all together', '30')
  .option('--expect <ids>', 'vehicles to wait for, comma-separated')
  .option('--reset-manifest', 'start a new manifest instead of taking the task out of the retained one')
  .option('--json', 'the outcome as JSON')
  .action(async (ids: string[], f: AudienceFlags & { revision?: string }) => {
    const outcome = await centralWithdraw({
      broker: brokerOf(f),
      keyFile: f.key,
      scope: scopeFrom(f),
      taskIds: ids,
      ...(f.revision !== undefined ? { revision: Number(f.revision) } : {}),
      waitMs: seconds('--wait-s', f.waitS),
      ...(f.expect !== undefined ? { expect: list(f.expect) } : {}),
      resetManifest: f.resetManifest === true,
      json: f.json === true,
    });
    process.exitCode = outcome.code;
  });

withBroker(program.command('status').description('the fleet from the retained statuses: online, health, tasks against the manifest, queue, last upload'))
  .option('--fleet <id>', 'only this fleet\'s vehicles')
  .option('--vehicle <id>', 'only this vehicle')
  .option('--json', 'one JSON document, for scripts')
  .action(async (f: BrokerFlags & { fleet?: string; vehicle?: string; json?: boolean }) => {
    process.exitCode = await centralStatus({
      broker: brokerOf(f),
      ...(f.fleet !== undefined ? { fleet: f.fleet } : {}),
      ...(f.vehicle !== undefined ? { vehicle: f.vehicle } : {}),
      json: f.json === true,
    });
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`central: ${(err as Error).message}\n`);
  process.exitCode = 2;
}
