// `tilsyn run`: loads the config and runs the agent until SIGTERM or SIGINT.
import { pino } from 'pino';
import { App } from '../app.ts';
import { loadConfig } from '../config/load.ts';
import { systemClock } from '../ports/clock.ts';
import { SystemdNotifier } from '../adapters/systemdNotifier.ts';
import { WatchdogService } from '../services/watchdogService.ts';

/** Fields that never reach the journal, wherever a component puts them (defence in depth: none is logged today). */
export const LOG_REDACT_PATHS = ['password', 'token', 'authorization', '*.password', '*.token', '*.authorization', 'headers.authorization'];

export interface RunOptions {
  readonly config: string;
  readonly validateConfig?: boolean;
}

export async function runCommand(options: RunOptions): Promise<number> {
  const config = loadConfig(options.config);
  if (options.validateConfig === true) {
    process.stdout.write(`${options.config}: valid\n`);
    return 0;
  }
  const logger = pino({ level: config.logLevel, base: { vehicleId: config.vehicleId }, redact: { paths: LOG_REDACT_PATHS, censor: '***' } });
  const controller = new AbortController();
  const app = new App(config, systemClock, logger);
  const notifier = new SystemdNotifier(process.env, logger.child({ component: 'systemd' }));
  const watchdog = new WatchdogService(notifier, () => app.alive(), logger.child({ component: 'watchdog' }));
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'stopping');
      controller.abort();
      void notifier.stopping(`stopping on ${signal}`);
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  try {
    await app.start(controller.signal);
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'agent could not start');
    logger.flush();
    return 1;
  }
  if (!controller.signal.aborted) {
    await notifier.ready(`running as ${config.vehicleId}`);
    await watchdog.start();
  }
  await stopped;
  await watchdog.stop();
  await app.stop();
  logger.info('stopped');
  logger.flush();
  return 0;
}
