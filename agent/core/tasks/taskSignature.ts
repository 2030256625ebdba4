// Ed25519 signatures of tasks: sign the canonical JSON of the task without "signature", verify against trusted keys.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonicalJson.ts';

export const SIGNATURE_KEY = 'signature';

/** The bytes that are signed: canonical JSON of the task with its "signature" member left out. */
export function signedBytes(task: Record<string, unknown>): Buffer {
  const { [SIGNATURE_KEY]: _ignored, ...rest } = task;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

/**
 * A trusted key from its configured text: a PEM public key (SPKI), or the 32 raw key bytes in base64 or base64url.
 * Throws with a readable message when it is neither.
 */
export function publicKeyFrom(text: string): KeyObject {
  const trimmed = text.trim();
  const key = trimmed.startsWith('-----BEGIN')
    ? createPublicKey(trimmed)
    : (() => {
        const raw = Buffer.from(trimmed, 'base64');
        if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes (base64) or a PEM "PUBLIC KEY"');
        return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
      })();
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`not an Ed25519 key but ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

/** The raw 32-byte public key in base64: the short form for the config's tasks.publicKeys. */
export function publicKeyBase64(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url').toString('base64');
}

/** Returns the task with a "signature" member: base64 of the Ed25519 signature over its canonical JSON. */
export function signTask(task: Record<string, unknown>, privateKeyPem: string): Record<string, unknown> {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the signing key must be Ed25519, not ${key.asymmetricKeyType ?? 'unknown'}`);
  const signature = sign(null, signedBytes(task), key).toString('base64');
  const { [SIGNATURE_KEY]: _old, ...rest } = task;
  return { ...rest, [SIGNATURE_KEY]: signature };
}

/** Null when one of the keys verifies the task's signature, else why not. */
export function checkSignature(task: Record<string, unknown>, keys: readonly KeyObject[]): string | null {
  const signature = task[SIGNATURE_KEY];
  if (signature === undefined) return 'the task is not signed, and this vehicle only takes signed tasks';
  if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(signature)) {
    return 'the signature must be the 64-byte Ed25519 signature in base64';
  }
  let bytes: Buffer;
  try {
    bytes = signedBytes(task);
  } catch (err) {
    return (err as Error).message;
  }
  const sig = Buffer.from(signature, 'base64');
  return keys.some((key) => verify(null, bytes, key, sig)) ? null : 'the signature does not verify with any trusted key';
}
