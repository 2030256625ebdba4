// Evidence at rest: AES-256-GCM under the device key, bound to the evidence id, so no plain JPEG ever sits on disk.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** File layout: MAGIC (4) | IV (12) | GCM tag (16) | ciphertext. */
const MAGIC = Buffer.from('TSE1', 'ascii');
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + IV_BYTES + TAG_BYTES;

export class EvidenceCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error(`the device key must be 32 bytes, not ${key.length}`);
  }

  /** Encrypts a redacted JPEG; the id is authenticated too, so a file cannot be passed off as another item. */
  seal(id: string, plain: Buffer): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(id, 'utf8'));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
  }

  /** Decrypts and authenticates; throws when the file was altered, truncated, or sealed under another key or id. */
  open(id: string, sealed: Buffer): Buffer {
    if (sealed.length < HEADER_BYTES || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new Error(`evidence ${id}: not an encrypted evidence file`);
    }
    const iv = sealed.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
    const tag = sealed.subarray(MAGIC.length + IV_BYTES, HEADER_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(id, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      throw new Error(`evidence ${id}: cannot be decrypted (altered, or sealed under another device key)`);
    }
  }
}
