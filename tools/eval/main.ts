// `npm run eval [-- SET...]`: redact annotated sets and report recall by box height and over-blur, per set and pooled.
import { Command } from 'commander';
import { parseCameraOption } from './setCameras.ts';
import { defaultModelsDir, redactorSettings, runTool } from '../runTool.ts';
import { evalCommand, type EvalCommandOptions } from './eval.ts';
import { evalAllCommand } from './evalAll.ts';

const program = new Command()
  .name('eval')
  .description('redact annotated sets and report recall by box height and over-blur, per set and all sets pooled (default: every set of ../shared/eval)')
  .argument('[sets...]', 'folders with boxes*.json, or names of ones under ../shared/eval (default: all of them)')
  .option('--out <dir>', 'redacted images, eval.json and missed.html (default eval-out/SET; with several sets, OUT/SET)')
  .option('--limit <n>', 'only the first N images by name')
  .option('--models-dir <dir>', 'model weights', defaultModelsDir)
  .option('--threads <n>', 'inference threads', '2')
  .option('--json', 'print the figures as JSON instead of a table')
  .option('--redactor <json>', 'redaction settings to try instead of the defaults (docs/schemas/redaction-settings.json), e.g. \'{"faces":{"bandScale":1.5}}\'')
  .option('--camera <json>', 'camera geometry for every set instead of each set\'s own (tools/eval/setCameras.ts), e.g. \'{"fovDeg":100,"mountHeightM":1.3,"pitchDeg":0}\'; "none": no geometry, the fallback rows')
  .action(async (sets: string[], opts: { out?: string; limit?: string; modelsDir: string; threads: string; json?: boolean; redactor?: string; camera?: string }) => {
    const common = {
      outDir: opts.out,
      limit: opts.limit === undefined ? undefined : Number(opts.limit),
      modelsDir: opts.modelsDir,
      threads: Number(opts.threads),
      json: opts.json ?? false,
      redactor: redactorSettings<EvalCommandOptions['redactor']>(opts.redactor),
      ...(opts.camera === undefined ? {} : { camera: parseCameraOption(opts.camera) }),
    };
    process.exitCode = sets.length === 1 ? await evalCommand({ ...common, set: sets[0]! }) : await evalAllCommand({ ...common, sets });
  });

await runTool(program);
