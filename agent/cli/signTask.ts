// `tilsyn sign-task`: signs a task JSON with an Ed25519 key (for the central side and tests), or makes a key pair.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { canonicalJson } from '../core/tasks/canonicalJson.ts';
import { publicKeyBase64, signTask } from '../core/tasks/taskSignature.ts';

export interface SignTaskOptions {
  readonly key: string;
  readonly out?: string;
}

/** Reads the task (a file, or "-" for stdin), writes it signed, as canonical JSON, to `out` or stdout. */
export function signTaskCommand(taskFile: string, options: SignTaskOptions): number {
  const text = readFileSync(taskFile === '-' ? 0 : taskFile, 'utf8');
  let task: unknown;
  try {
    task = JSON.parse(text);
  } catch (err) {
    throw new Error(`${taskFile}: not JSON: ${(err as Error).message}`);
  }
  if (typeof task !== 'object' || task === null || Array.isArray(task)) throw new Error(`${taskFile}: a task is a JSON object`);
  const signed = canonicalJson(signTask(task as Record<string, unknown>, readFileSync(options.key, 'utf8')));
  if (options.out !== undefined) writeFileSync(options.out, `${signed}\n`);
  else process.stdout.write(`${signed}\n`);
  return 0;
}

/** Writes a new private key (PEM, mode 0600) and prints the public key in the form tasks.publicKeys takes. */
export function newKeyCommand(privateKeyFile: string): number {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(privateKeyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  process.stdout.write(`${publicKeyBase64(publicKey)}\n`);
  return 0;
}
