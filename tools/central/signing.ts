// The central side's signing key: an Ed25519 private key (PEM) whose public half the vehicles trust (tasks.publicKeys).
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson } from '../../agent/core/tasks/canonicalJson.ts';
import { publicKeyBase64, SIGNATURE_KEY, signedBytes } from '../../agent/core/tasks/taskSignature.ts';

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public key as the vehicles' tasks.publicKeys takes it. */
  readonly publicKeyBase64: string;
}

export function loadSigningKey(file: string): SigningKey {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--key: cannot read ${file}: ${(err as Error).message}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new Error(`--key: ${file} is not a private key in PEM: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`--key: ${file} must be an Ed25519 key, not ${key.asymmetricKeyType ?? 'unknown'}`);
  const publicKey = createPublicKey(key);
  return { privateKey: key, publicKey, publicKeyBase64: publicKeyBase64(publicKey) };
}

/**
 * The message signed (Ed25519 over its canonical JSON without "signature", the same bytes the vehicle's
 * checkSignature verifies) and written as canonical JSON. The key is parsed once, not per message.
 */
export function signedPayload(message: Record<string, unknown>, key: SigningKey): string {
  const { [SIGNATURE_KEY]: _old, ...rest } = message;
  return canonicalJson({ ...rest, [SIGNATURE_KEY]: sign(null, signedBytes(rest), key.privateKey).toString('base64') });
}
