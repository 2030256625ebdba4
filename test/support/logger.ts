// A logger for tests: silent unless TILSYN_TEST_LOG=1.
import { pino } from 'pino';

export const testLogger = pino({ level: process.env.TILSYN_TEST_LOG === '1' ? 'debug' : 'silent' });
