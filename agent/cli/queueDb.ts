// Opens the queue database of an agent (stopped or running) read-only, from the agent's own config file.
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { queueDbPath } from '../adapters/sqliteEvidenceQueue.ts';
import { loadConfig } from '../config/load.ts';

export function openQueueDbReadOnly(configFile: string): Database.Database {
  const config = loadConfig(configFile);
  const file = queueDbPath(config.dataDir);
  if (!existsSync(file)) throw new Error(`no evidence queue at ${file} (dataDir of ${configFile}); has the agent run yet?`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  // A running agent writes at the same time: wait for its short transactions instead of failing.
  db.pragma('busy_timeout = 5000');
  return db;
}
