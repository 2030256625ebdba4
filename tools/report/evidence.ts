// The evidence the ingest received ({id}.json and {id}.jpg), read for the report: metadata checked, each redacted
// JPEG turned into a small thumbnail (a data URI), its blurred regions kept for outlining.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';

const regionSchema = z.object({ kind: z.string().max(32), x1: z.number(), y1: z.number(), x2: z.number(), y2: z.number() });

const metaSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
  taskId: z.string().max(128),
  capturedAt: z.string().max(40),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  found: z.array(z.object({ label: z.string().max(64), score: z.number(), count: z.number() })).max(50).default([]),
  faces: z.number().default(0),
  plates: z.number().default(0),
  regions: z.array(regionSchema).max(2_000).optional(),
});

export type EvidenceMetaView = z.infer<typeof metaSchema>;

export interface EvidenceItem {
  readonly meta: EvidenceMetaView;
  /** Size of the uploaded JPEG. */
  readonly width: number;
  readonly height: number;
  /** data:image/jpeg;base64,… of the downscaled JPEG. */
  readonly thumbnail: string;
  readonly thumbWidth: number;
  readonly thumbHeight: number;
}

export interface EvidenceRead {
  readonly items: EvidenceItem[];
  /** Files passed over, with why. */
  readonly skipped: string[];
}

const MAX_ITEMS = 500;
const MAX_META_BYTES = 1024 * 1024;
const MAX_JPEG_BYTES = 32 * 1024 * 1024;

/** Reads up to 500 items, oldest first; `thumbWidthPx` is the thumbnail width. */
export async function readEvidence(dir: string, thumbWidthPx = 360): Promise<EvidenceRead> {
  const skipped: string[] = [];
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  const metas: EvidenceMetaView[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    if ((await stat(file)).size > MAX_META_BYTES) {
      skipped.push(`${name}: larger than ${MAX_META_BYTES} bytes`);
      continue;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      skipped.push(`${name}: not JSON`);
      continue;
    }
    const parsed = metaSchema.safeParse(raw);
    if (!parsed.success || `${parsed.data.id}.json` !== name) {
      skipped.push(`${name}: not evidence metadata`);
      continue;
    }
    metas.push(parsed.data);
  }
  metas.sort((a, b) => (a.capturedAt < b.capturedAt ? -1 : a.capturedAt > b.capturedAt ? 1 : 0));
  if (metas.length > MAX_ITEMS) skipped.push(`${metas.length - MAX_ITEMS} item(s) past the first ${MAX_ITEMS}`);
  const items: EvidenceItem[] = [];
  for (const meta of metas.slice(0, MAX_ITEMS)) {
    const jpegFile = path.join(dir, `${meta.id}.jpg`);
    try {
      if ((await stat(jpegFile)).size > MAX_JPEG_BYTES) throw new Error(`larger than ${MAX_JPEG_BYTES} bytes`);
      const jpeg = await readFile(jpegFile);
      const info = await sharp(jpeg, { limitInputPixels: 50_000_000 }).metadata();
      if (info.width === undefined || info.height === undefined) throw new Error('no size');
      const thumb = await sharp(jpeg).resize({ width: thumbWidthPx, withoutEnlargement: true }).jpeg({ quality: 72, mozjpeg: true }).toBuffer({ resolveWithObject: true });
      items.push({
        meta,
        width: info.width,
        height: info.height,
        thumbnail: `data:image/jpeg;base64,${thumb.data.toString('base64')}`,
        thumbWidth: thumb.info.width,
        thumbHeight: thumb.info.height,
      });
    } catch (err) {
      skipped.push(`${meta.id}.jpg: ${(err as Error).message}`);
    }
  }
  return { items, skipped };
}
