// Secrets that may live outside the config file: read from a file or a systemd credential when the config is loaded,
// so every part that builds a client (agent, doctor, tools) gets them the same way and none of them reads files.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';

/** A secret is a line of text; a file larger than this is not one (and is not read whole). */
const MAX_SECRET_BYTES = 16 * 1024;

export interface SecretSource {
  /** The value written in the config itself. */
  readonly value?: string | undefined;
  /** A file holding it. */
  readonly file?: string | undefined;
  /** A systemd credential name, read from $CREDENTIALS_DIRECTORY/{name}. */
  readonly credential?: string | undefined;
}

/**
 * The secret from where the config says it is; undefined when it names none. Throws an Error whose message starts with
 * the key path (e.g. "ingest.tokenFile: cannot read …"). The first line is the secret; a trailing newline is dropped.
 */
export function resolveSecret(key: string, source: SecretSource, env: NodeJS.ProcessEnv, baseDir: string): string | undefined {
  if (source.value !== undefined) return source.value;
  if (source.file !== undefined) return readSecretFile(`${key}File`, path.resolve(baseDir, source.file));
  if (source.credential !== undefined) {
    const dir = env.CREDENTIALS_DIRECTORY;
    if (dir === undefined || dir === '') {
      throw new Error(`${key}Credential: no $CREDENTIALS_DIRECTORY (the unit needs LoadCredential=${source.credential}:FILE)`);
    }
    return readSecretFile(`${key}Credential`, path.join(dir, source.credential));
  }
  return undefined;
}

function readSecretFile(key: string, file: string): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new Error(`${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_SECRET_BYTES) throw new Error(`${key}: ${file} holds ${size} bytes; a secret is at most ${MAX_SECRET_BYTES}`);
    const buffer = Buffer.alloc(size);
    const read = readSync(fd, buffer, 0, size, 0);
    const text = buffer.subarray(0, read).toString('utf8');
    const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
    if (firstLine.length === 0) throw new Error(`${key}: ${file} is empty (the secret is its first line)`);
    return firstLine;
  } finally {
    closeSync(fd);
  }
}
