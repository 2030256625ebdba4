// Reads the YAML config file, applies TILSYN_* environment overrides, validates it, and returns a frozen Config.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';
import { resolveSecret } from './secrets.ts';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid configuration in ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const ENV_PREFIX = 'TILSYN_';

/**
 * Environment overrides: TILSYN_MQTT__URL=mqtt://x sets mqtt.url; "__" separates levels, and each level is
 * written in upper snake case of the camelCase key (TILSYN_CAMERA__GRAB_TIMEOUT_MS → camera.grabTimeoutMs).
 * Values are read as YAML scalars, so numbers and booleans keep their types.
 */
export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const result = structuredClone(raw);
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const keys = name
      .slice(ENV_PREFIX.length)
      .split('__')
      .map((part) => part.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
    let node: Record<string, unknown> = result;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]!] = parseYaml(value) as unknown;
  }
  return result;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    return `${where}: ${issue.message}`;
  });
}

/**
 * Validates an already-parsed document; relative paths are resolved against baseDir. Secrets given as files or
 * systemd credentials (ingest.tokenFile, mqtt.passwordCredential, …) are read here, so `ingest.token` and
 * `mqtt.password` hold the values whichever way they were given.
 */
export function parseConfig(raw: unknown, file: string, baseDir: string, env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(file, formatIssues(result.error.issues));
  const parsed = result.data;
  const problems: string[] = [];
  const secret = (key: string, source: Parameters<typeof resolveSecret>[1]): string | undefined => {
    try {
      return resolveSecret(key, source, env, baseDir);
    } catch (err) {
      problems.push((err as Error).message);
      return undefined;
    }
  };
  const token = secret('ingest.token', { value: parsed.ingest.token, file: parsed.ingest.tokenFile, credential: parsed.ingest.tokenCredential });
  const password = secret('mqtt.password', { value: parsed.mqtt.password, file: parsed.mqtt.passwordFile, credential: parsed.mqtt.passwordCredential });
  if (problems.length > 0) throw new ConfigError(file, problems);
  const config: Config = { ...parsed, ingest: { ...parsed.ingest, token: token ?? '' } };
  if (password !== undefined) config.mqtt = { ...config.mqtt, password };
  const resolve = (p: string) => path.resolve(baseDir, p);
  config.dataDir = resolve(config.dataDir);
  config.models.dir = resolve(config.models.dir);
  config.tasks.files = config.tasks.files.map(resolve);
  if (config.storage.keyFile !== undefined) config.storage.keyFile = resolve(config.storage.keyFile);
  if (config.gps.source === 'nmea-file') config.gps.path = resolve(config.gps.path);
  if (config.camera.source === 'file') config.camera.path = resolve(config.camera.path);
  return deepFreeze(config);
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    const detail = err instanceof YAMLParseError ? err.message.split('\n')[0] : String(err);
    throw new ConfigError(file, [`not valid YAML: ${detail}`]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(file, ['(top level): must be a mapping of keys to values']);
  }
  return parseConfig(applyEnvOverrides(raw as Record<string, unknown>, env), file, path.dirname(path.resolve(file)), env);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
