// `npm run eval -- SET`: redact an annotated set and report recall by box height and over-blur.
import { Command } from 'commander';
import { defaultModelsDir, redactorSettings, runTool } from '../runTool.ts';
import { evalCommand, type EvalCommandOptions } from './eval.ts';

const program = new Command()
  .name('eval')
  .description('redact an annotated set and report recall by box height and over-blur (../shared/eval/SET)')
  .argument('<set>', 'a folder with boxes*.json, or the name of one under ../shared/eval')
  .option('--out <dir>', 'redacted images, eval.json and missed.html (default eval-out/SET)')
  .option('--limit <n>', 'only the first N images by name')
  .option('--models-dir <dir>', 'model weights', defaultModelsDir)
  .option('--threads <n>', 'inference threads', '2')
  .option('--json', 'print the figures as JSON instead of a table')
  .option('--redactor <json>', 'redactor settings to try instead of the defaults, e.g. \'{"faceScoreThreshold":0.25}\'')
  .action(async (set: string, opts: { out?: string; limit?: string; modelsDir: string; threads: string; json?: boolean; redactor?: string }) => {
    process.exitCode = await evalCommand({
      set,
      outDir: opts.out,
      limit: opts.limit === undefined ? undefined : Number(opts.limit),
      modelsDir: opts.modelsDir,
      threads: Number(opts.threads),
      json: opts.json ?? false,
      redactor: redactorSettings<EvalCommandOptions['redactor']>(opts.redactor),
    });
  });

await runTool(program);
