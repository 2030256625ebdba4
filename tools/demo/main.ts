// `npm run demo`: replay a drive through Copenhagen with sample frames against a local broker and ingest.
import { Command } from 'commander';
import { exitSoonAfterStop } from '../../agent/cli/lastResortExit.ts';
import { runTool } from '../runTool.ts';
import { demoCommand } from './demo.ts';

const program = new Command()
  .name('demo')
  .description('replay a drive through Copenhagen with sample frames against a local broker and ingest')
  .option('--out <dir>', 'where the ingest receiver stores what it gets', 'demo-out')
  .option('--speed <n>', 'replay speed of the drive', '4')
  .option('--speed-kmh <n>', "driving speed along the route (default the route's 36 km/h)")
  .option('--every-m <n>', 'metres between frames per task (trigger.everyM; default 10)')
  .option('--frame <WxH>', 'camera frame size', '1280x720')
  .action(async (opts: { out: string; speed: string; speedKmh?: string; everyM?: string; frame: string }) => {
    const [width, height] = opts.frame.split('x').map(Number);
    process.exitCode = await demoCommand({
      outDir: opts.out,
      speed: Number(opts.speed),
      ...(opts.speedKmh === undefined ? {} : { speedKmh: Number(opts.speedKmh) }),
      ...(opts.everyM === undefined ? {} : { everyM: Number(opts.everyM) }),
      ...(width && height ? { width, height } : {}),
    });
    // The agent has stopped and the summary is printed: the demo ends on its own, or says what held it.
    exitSoonAfterStop('demo');
  });

await runTool(program);
