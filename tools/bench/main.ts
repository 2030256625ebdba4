// `npm run bench`: ms per 1080p frame for decode → detect → blur → encode, model inference ms, peak RSS.
import { Command } from 'commander';
import { defaultModelsDir, redactorSettings, runTool } from '../runTool.ts';
import { benchCommand, type BenchCommandOptions } from './bench.ts';
import { parseCameraOption, setCamera } from '../eval/setCameras.ts';

const program = new Command()
  .name('bench')
  .description('ms per 1080p frame for decode → detect → blur → encode, model inference ms, peak RSS')
  .argument('[files...]', 'JPEG frames (default: ../shared/eval/dashcam-dev)')
  .option('--frames <n>', 'frames measured', '30')
  .option('--warmup <n>', 'frames run first and not measured', '3')
  .option('--models-dir <dir>', 'model weights', defaultModelsDir)
  .option('--threads <n>', 'inference threads', '2')
  .option('--json', 'print the figures as JSON')
  .option('--redactor <json>', 'redaction settings to measure instead of the defaults, as for eval')
  .option('--camera <json>', 'camera geometry, as for eval (default: dashcam-dev\'s for the default frames, none for files given); "none": the fallback rows')
  .action(async (files: string[], opts: { frames: string; warmup: string; modelsDir: string; threads: string; json?: boolean; redactor?: string; camera?: string }) => {
    process.exitCode = await benchCommand({
      files,
      frames: Number(opts.frames),
      warmup: Number(opts.warmup),
      modelsDir: opts.modelsDir,
      threads: Number(opts.threads),
      json: opts.json ?? false,
      redactor: redactorSettings<BenchCommandOptions['redactor']>(opts.redactor),
      camera: opts.camera === undefined ? (files.length ? null : setCamera('dashcam-dev')) : parseCameraOption(opts.camera),
    });
  });

await runTool(program);
