// Entry point: parses the command line and hands over to a subcommand; errors become one readable message.
import { Command } from 'commander';
import { ConfigError } from './config/load.ts';
import { runCommand } from './cli/run.ts';
import { demoCommand } from './cli/demo.ts';
import { doctorCommand } from './cli/doctor.ts';

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
  .command('doctor')
  .description('check gpsd, camera, broker, ingest, models, disk and clock; non-zero exit when one fails')
  .requiredOption('-c, --config <file>', 'YAML configuration file')
  .option('--json', 'print the results as JSON')
  .option('--timeout-ms <n>', 'how long to wait for each part', '8000')
  .action(async (opts: { config: string; json?: boolean; timeoutMs: string }) => {
    process.exitCode = await doctorCommand({ config: opts.config, json: opts.json === true, timeoutMs: Number(opts.timeoutMs) });
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
