// The device key for evidence at rest: 32 random bytes in a 0600 file, created on first start, never sent anywhere.
// Created whole or not at all: written to a temporary file, fsynced, then linked into place, so a crash never leaves a
// short key behind (and two processes starting at once end up with the same key).
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, constants, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

const KEY_BYTES = 32;

/** Reads the key file, or creates it (0600, fsynced, atomically) when it does not exist yet. */
export function loadOrCreateDeviceKey(file: string): Buffer {
  try {
    return readKey(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeSync(fd, key);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    // link, not rename: it never replaces a key another process put there in the meantime.
    linkSync(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readKey(file);
    throw err;
  } finally {
    unlinkSync(temp);
  }
  syncFolder(path.dirname(file));
  return key;
}

/** Makes the new directory entry durable, so the key survives a power cut right after it was made. */
function syncFolder(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readKey(file: string): Buffer {
  const stat = statSync(file);
  const mode = stat.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`device key ${file} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  }
  const key = readFileSync(file);
  if (key.length !== KEY_BYTES) throw new Error(`device key ${file} holds ${key.length} bytes, not ${KEY_BYTES}`);
  return key;
}

/**
 * The vehicle's Ed25519 identity (install.sh writes it to /etc/tilsyn/device-key.pem, PKCS#8 PEM; its public half is
 * registered centrally): signs the audit head. Throws naming the file when it cannot be read or is not Ed25519.
 */
export function loadSigningKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file));
  } catch (err) {
    throw new Error(`audit.signingKeyFile: cannot read an Ed25519 private key from ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`audit.signingKeyFile: ${file} holds a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  return key;
}
