// What an agent left under its dataDir, as images: each evidence file decrypted with the device key (it must be a JPEG,
// which the caller then judges for redaction; one half-written when the power went must at least be sealed), and
// every other file — SQLite databases, their WAL and shm, the key — checked to be no image at all: it does not decode,
// and no JPEG or PNG starts anywhere inside it (a start marker that random bytes happen to form is told from a real
// one by whether an image header parses from there).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { EvidenceCipher } from '../../agent/adapters/evidenceCipher.ts';

const JPEG_START = Buffer.from([0xff, 0xd8, 0xff]);
const PNG_START = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The first bytes of every file the evidence cipher seals. */
const SEALED_MAGIC = 'TSE1';

export interface DataDirImages {
  /** The decrypted evidence JPEGs, by evidence id. */
  readonly evidence: Map<string, Buffer>;
  /** Every other file looked at (paths relative to dataDir). */
  readonly others: string[];
  /** Evidence files cut short while being written (a power cut): sealed, so no image, but not decryptable. */
  readonly halfWritten: string[];
  /** Whatever broke the rule, one line each; empty when all is well. */
  readonly problems: string[];
}

export async function inspectDataDir(dataDir: string, keyFile = path.join(dataDir, 'device.key')): Promise<DataDirImages> {
  const cipher = new EvidenceCipher(readFileSync(keyFile));
  const evidence = new Map<string, Buffer>();
  const others: string[] = [];
  const halfWritten: string[] = [];
  const problems: string[] = [];
  const files = readdirSync(dataDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  for (const f of files) {
    const file = path.join(f.parentPath, f.name);
    const name = path.relative(dataDir, file);
    const bytes = readFileSync(file);
    // {id}.evd, or {id}.evd.{random}.tmp while it is being written.
    const sealed = path.basename(f.parentPath) === 'evidence' ? /^([A-Za-z0-9-]+)\.evd(\.[0-9a-f]+\.tmp)?$/.exec(f.name) : null;
    if (sealed !== null) {
      const id = sealed[1]!;
      let jpeg: Buffer;
      try {
        jpeg = cipher.open(id, bytes);
      } catch (err) {
        if (sealed[2] !== undefined && SEALED_MAGIC.startsWith(bytes.subarray(0, 4).toString('latin1'))) halfWritten.push(name);
        else problems.push(`${name}: ${(err as Error).message}`);
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
      for (let at = bytes.indexOf(magic); at >= 0; at = bytes.indexOf(magic, at + 1)) {
        const header = await sharp(bytes.subarray(at))
          .metadata()
          .then((m) => `${m.width}×${m.height}`)
          .catch(() => null);
        if (header !== null) problems.push(`${name}: holds a ${kind} of ${header} at byte ${at}`);
      }
    }
  }
  return { evidence, others, halfWritten, problems };
}
