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
  .action(async (opts: { out: string; speed: string }) => {
    process.exitCode = await demoCommand({ outDir: opts.out, speed: Number(opts.speed) });
    // The agent has stopped and the summary is printed: the demo ends on its own, or says what held it.
    exitSoonAfterStop('demo');
  });

await runTool(program);
