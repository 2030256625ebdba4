// Entry point: parses the command line and hands over to a subcommand; errors become one readable message.
import { Command } from 'commander';
import { ConfigError, loadConfig } from './config/load.ts';
import { runCommand } from './cli/run.ts';
import { redactCommand } from './cli/redact.ts';
import { auditVerifyCommand } from './cli/auditCommand.ts';
import { queueCommand } from './cli/queueCommand.ts';
import { doctorCommand } from './cli/doctor.ts';
import { newKeyCommand, signTaskCommand } from './cli/signTask.ts';
import { exitSoonAfterStop } from './cli/lastResortExit.ts';

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
    // Every part has released what it held: the process ends on its own. Should a native thread still hold it, the
    // last-resort exit names what and ends it well before systemd's stop timeout.
    exitSoonAfterStop('run');
  });

const defaultModelsDir = new URL('../models', import.meta.url).pathname;

program
  .command('redact')
  .description('redact image files: DIR gets each image blurred, and redactions.jsonl of what was blurred')
  .requiredOption('--out <dir>', 'folder for the redacted images and redactions.jsonl')
  .argument('<files...>', 'images to redact')
  .option('-c, --config <file>', "redact as the vehicle this agent configuration describes: its redaction settings, its camera's geometry (the rows searched for far faces and plates) and its models")
  .option('--models-dir <dir>', "model weights (default: the configuration's models.dir, else the installed models)")
  .option('--threads <n>', "inference threads (default: the configuration's models.threads, else 2)")
  .option('--quality <n>', "JPEG quality of the output (default: the configuration's, else 90)")
  .option('--deadline-ms <ms>', 'drop an image whose redaction takes longer than this')
  .option('--style <style>', "blur | gaussian | fill (default: the configuration's, else blur)")
  .action(async (files: string[], opts: { out: string; config?: string; modelsDir?: string; threads?: string; quality?: string; deadlineMs?: string; style?: string }) => {
    if (opts.style !== undefined && opts.style !== 'blur' && opts.style !== 'gaussian' && opts.style !== 'fill') {
      throw new Error(`--style must be blur, gaussian or fill, not ${opts.style}`);
    }
    const config = opts.config === undefined ? undefined : loadConfig(opts.config);
    process.exitCode = await redactCommand({
      outDir: opts.out,
      files,
      modelsDir: opts.modelsDir ?? config?.models.dir ?? defaultModelsDir,
      threads: opts.threads !== undefined ? Number(opts.threads) : (config?.models.threads ?? 2),
      ...(config ? { settings: config.redaction, camera: config.camera } : {}),
      ...(opts.quality !== undefined ? { jpegQuality: Number(opts.quality) } : config ? {} : { jpegQuality: 90 }),
      ...(opts.deadlineMs !== undefined ? { deadlineMs: Number(opts.deadlineMs) } : {}),
      ...(opts.style !== undefined ? { style: opts.style } : {}),
    });
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
  .description('check the hash chain of the audit trail (exit 1 when broken); with --head, that it still reaches a head received centrally')
  .requiredOption('-c, --config <file>', 'YAML configuration file of the agent')
  .option('--head <file>', 'an audit head (JSON, as published on {prefix}/vehicle/{vehicleId}/audit): the chain must hold its record unchanged')
  .option('--public-key <file>', "the vehicle's public key (device-key.pub.pem): the head's signature must verify with it")
  .option('--json', 'the verdict as JSON')
  .action((opts: { config: string; head?: string; publicKey?: string; json?: boolean }) => {
    process.exitCode = auditVerifyCommand(opts);
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
