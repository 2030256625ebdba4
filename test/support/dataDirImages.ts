// What an agent left under its dataDir, as images: each evidence file decrypted with the device key (it must be a JPEG,
// which the caller then judges for redaction), and every other file — SQLite databases, their WAL and shm, the key —
// checked to be no image at all: it does not decode, and holds no JPEG or PNG start anywhere inside.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { EvidenceCipher } from '../../agent/adapters/evidenceCipher.ts';

const JPEG_START = Buffer.from([0xff, 0xd8, 0xff]);
const PNG_START = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface DataDirImages {
  /** The decrypted evidence JPEGs, by evidence id. */
  readonly evidence: Map<string, Buffer>;
  /** Every other file looked at (paths relative to dataDir). */
  readonly others: string[];
  /** Whatever broke the rule, one line each; empty when all is well. */
  readonly problems: string[];
}

export async function inspectDataDir(dataDir: string, keyFile = path.join(dataDir, 'device.key')): Promise<DataDirImages> {
  const cipher = new EvidenceCipher(readFileSync(keyFile));
  const evidence = new Map<string, Buffer>();
  const others: string[] = [];
  const problems: string[] = [];
  const files = readdirSync(dataDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  for (const f of files) {
    const file = path.join(f.parentPath, f.name);
    const name = path.relative(dataDir, file);
    const bytes = readFileSync(file);
    if (path.basename(f.parentPath) === 'evidence' && f.name.endsWith('.evd')) {
      const id = f.name.slice(0, -'.evd'.length);
      let jpeg: Buffer;
      try {
        jpeg = cipher.open(id, bytes);
      } catch (err) {
        problems.push(`${name}: ${(err as Error).message}`);
        continue;
      }
      const format = await sharp(jpeg)
        .metadata()
        .then((m) => m.format)
        .catch(() => 'undecodable');
      if (!jpeg.subarray(0, 3).equals(JPEG_START) || format !== 'jpeg') problems.push(`${name}: decrypts to ${format}, not a JPEG`);
      else evidence.set(id, jpeg);
      continue;
    }
    others.push(name);
    const decodes = await sharp(bytes)
      .metadata()
      .then((m) => m.format ?? 'an image')
      .catch(() => null);
    if (decodes !== null) problems.push(`${name}: decodes as ${decodes}`);
    for (const [magic, kind] of [[JPEG_START, 'JPEG'], [PNG_START, 'PNG']] as const) {
      const at = bytes.indexOf(magic);
      if (at >= 0) problems.push(`${name}: holds the start of a ${kind} at byte ${at}`);
    }
  }
  return { evidence, others, problems };
}
