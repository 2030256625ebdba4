// Entry point: parses the command line and hands over to a subcommand; errors become one readable message.
import { Command } from 'commander';
import { ConfigError } from './config/load.ts';
import { runCommand } from './cli/run.ts';
import { demoCommand } from './cli/demo.ts';
import { auditVerifyCommand } from './cli/auditCommand.ts';
import { queueCommand } from './cli/queueCommand.ts';

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
  .command('queue')
  .description('list the evidence waiting on this vehicle, and why (reads the queue of a stopped or running agent)')
  .requiredOption('-c, --config <file>', 'YAML configuration file of the agent')
  .option('--json', 'one JSON document, for scripts')
  .action((opts: { config: string; json?: boolean }) => {
    process.exitCode = queueCommand(opts);
  });

program
  .command('audit')
  .description('the audit trail')
  .command('verify')
  .description('check the hash chain of the audit trail (exit 1 when broken)')
  .requiredOption('-c, --config <file>', 'YAML configuration file of the agent')
  .option('--json', 'the verdict as JSON')
  .action((opts: { config: string; json?: boolean }) => {
    process.exitCode = auditVerifyCommand(opts);
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
