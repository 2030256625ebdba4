// The device key for evidence at rest: 32 random bytes in a 0600 file, created on first start, never sent anywhere.
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, closeSync, readFileSync, statSync, writeSync, fsyncSync, constants } from 'node:fs';
import path from 'node:path';

const KEY_BYTES = 32;

/** Reads the key file, or creates it (0600, exclusively, fsynced) when it does not exist yet. */
export function loadOrCreateDeviceKey(file: string): Buffer {
  try {
    return readKey(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (err) {
    // Another process created it between our read and our create: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readKey(file);
    throw err;
  }
  const key = randomBytes(KEY_BYTES);
  try {
    writeSync(fd, key);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return key;
}

function readKey(file: string): Buffer {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`device key ${file} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  }
  const key = readFileSync(file);
  if (key.length !== KEY_BYTES) throw new Error(`device key ${file} holds ${key.length} bytes, not ${KEY_BYTES}`);
  return key;
}
