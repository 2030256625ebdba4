// Entry point: parses the command line and hands over to a subcommand; errors become one readable message.
import { Command } from 'commander';
import { ConfigError } from './config/load.ts';
import { runCommand } from './cli/run.ts';
import { demoCommand } from './cli/demo.ts';
import { newKeyCommand, signTaskCommand } from './cli/signTask.ts';

const program = new Command()
  .name('tilsyn')
  .description('On-vehicle inspection agent: captures only inside task areas, redacts faces and plates, uploads evidence.')
  .showHelpAfterError();

program
  .command('run')
  .description('run the agent daemon')
  .requiredOption('-c, --config <file>', 'YAML configuration file')
  .option('--validate-config', 'check the configuration and exit (non-zero when invalid)')
  .action(async (opts: { config: string; validateConfig?: boolean }) => {
    process.exitCode = await runCommand(opts);
  });

program
  .command('demo')
  .description('replay a drive through Copenhagen with sample frames against a local broker and ingest')
  .option('--out <dir>', 'where the ingest receiver stores what it gets', 'demo-out')
  .option('--speed <n>', 'replay speed of the drive', '4')
  .action(async (opts: { out: string; speed: string }) => {
    process.exitCode = await demoCommand({ outDir: opts.out, speed: Number(opts.speed) });
  });

program
  .command('sign-task')
  .description('sign a task with an Ed25519 key; prints the signed task as canonical JSON')
  .argument('[task]', 'task JSON file, or - for stdin', '-')
  .option('-k, --key <file>', 'Ed25519 private key (PEM)')
  .option('-o, --out <file>', 'write the signed task here instead of stdout')
  .option('--new-key <file>', 'instead: write a new private key to this file and print its public key for tasks.publicKeys')
  .action((task: string, opts: { key?: string; out?: string; newKey?: string }) => {
    if (opts.newKey !== undefined) process.exitCode = newKeyCommand(opts.newKey);
    else if (opts.key === undefined) throw new Error('sign-task needs --key <file> (or --new-key <file> to make one)');
    else process.exitCode = signTaskCommand(task, { key: opts.key, ...(opts.out !== undefined ? { out: opts.out } : {}) });
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`tilsyn: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
