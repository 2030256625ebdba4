// `npm run eval:regions -- SET [OUT]`: after `npm run eval -- SET`, which kind of region costs the over-blur, how many
// regions of each kind cover no annotated box (lettering or unannotated faces and plates lost), and what each missed
// box had near it. Reads the set, the redacted images and redactions.jsonl of OUT (default eval-out/SET).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import {
  DETAIL_KEPT_MAX,
  grayFromRgb,
  imagePair,
  judgeBox,
  OVERBLUR_BLOCK_PX,
  OVERBLUR_MIN_TEXTURE,
  type ImagePair,
  type TruthBox,
} from '../../agent/core/redaction/redactionScore.ts';
import { loadEvalSet } from './evalSet.ts';

interface RegionRecord {
  readonly kind: string;
  readonly detector: string;
  readonly score: number;
  readonly box: [number, number, number, number];
}

/** A region's kind, with plates told apart by what found them (the plate model or scene text). */
export function regionKey(r: Pick<RegionRecord, 'kind' | 'detector'>): string {
  if (r.kind === 'plate') return r.detector.startsWith('ppocr') ? 'plate (text)' : 'plate (model)';
  return r.kind;
}

function overlaps(a: readonly number[], b: readonly number[]): boolean {
  return Math.min(a[2]!, b[2]!) > Math.max(a[0]!, b[0]!) && Math.min(a[3]!, b[3]!) > Math.max(a[1]!, b[1]!);
}

/** Lost textured blocks outside the padded truth, each given to the smallest region holding its centre. */
function lostBlocksByKey(pair: ImagePair, truth: readonly TruthBox[], regions: readonly RegionRecord[]): { total: number; lost: Map<string, number> } {
  const { width: W, height: H } = pair.before;
  const padded = truth.map(([x1, y1, x2, y2]) => {
    const px = 0.5 * (x2! - x1!);
    const py = 0.5 * (y2! - y1!);
    return [Math.trunc(x1! - px), Math.trunc(y1! - py), Math.trunc(x2! + px + 1), Math.trunc(y2! + py + 1)];
  });
  const bySize = [...regions].sort((a, b) => area(a.box) - area(b.box));
  const blk = OVERBLUR_BLOCK_PX;
  const lost = new Map<string, number>();
  let total = 0;
  for (let y = 0; y + blk <= H; y += blk) {
    for (let x = 0; x + blk <= W; x += blk) {
      const block = [x, y, x + blk, y + blk];
      if (padded.some((p) => overlaps(p, block))) continue;
      const [da, db] = stds(pair, x, y, blk);
      if (da < OVERBLUR_MIN_TEXTURE) continue;
      total += 1;
      if (db / da > DETAIL_KEPT_MAX) continue;
      const cx = x + blk / 2;
      const cy = y + blk / 2;
      const r = bySize.find((q) => cx >= q.box[0] && cx < q.box[2] && cy >= q.box[1] && cy < q.box[3]);
      const key = r ? regionKey(r) : '(no region: encoding)';
      lost.set(key, (lost.get(key) ?? 0) + 1);
    }
  }
  return { total, lost };
}

function stds(pair: ImagePair, x: number, y: number, blk: number): [number, number] {
  const W = pair.before.width;
  let n = 0;
  let sa = 0;
  let saa = 0;
  let sb = 0;
  let sbb = 0;
  for (let yy = y; yy < y + blk; yy++) {
    for (let i = yy * W + x, end = i + blk; i < end; i++) {
      const a = pair.lapBefore[i]!;
      const b = pair.lapAfter[i]!;
      n += 1;
      sa += a;
      saa += a * a;
      sb += b;
      sbb += b * b;
    }
  }
  return [Math.sqrt(Math.max(0, saa / n - (sa / n) ** 2)), Math.sqrt(Math.max(0, sbb / n - (sb / n) ** 2))];
}

function area(b: readonly number[]): number {
  return Math.max(0, b[2]! - b[0]!) * Math.max(0, b[3]! - b[1]!);
}

async function main(): Promise<void> {
  const [setName, outArg] = process.argv.slice(2);
  if (!setName) throw new Error('usage: eval:regions SET [OUT]');
  const set = await loadEvalSet(setName);
  const outDir = path.resolve(outArg ?? path.join('eval-out', set.name));
  const records = new Map<string, RegionRecord[]>();
  for (const line of (await readFile(path.join(outDir, 'redactions.jsonl'), 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { image: string; regions?: RegionRecord[] };
    records.set(r.image, r.regions ?? []);
  }
  const share = new Map<string, number>();
  const count = new Map<string, number>();
  const onNoTruth = new Map<string, number>();
  const missed: string[] = [];
  let images = 0;
  for (const item of set.images) {
    const regions = records.get(item.image);
    if (!regions) continue;
    images += 1;
    const truth = [...item.truth.values()].flat();
    const src = await sharp(path.join(set.dir, item.image)).raw().toBuffer({ resolveWithObject: true });
    const out = await sharp(path.join(outDir, item.image)).raw().toBuffer({ resolveWithObject: true });
    const pair = imagePair(
      grayFromRgb(src.data, src.info.width, src.info.height, src.info.channels),
      grayFromRgb(out.data, out.info.width, out.info.height, out.info.channels),
    );
    const { total, lost } = lostBlocksByKey(pair, truth, regions);
    for (const [k, n] of lost) share.set(k, (share.get(k) ?? 0) + (total ? n / total : 0));
    for (const r of regions) {
      const k = regionKey(r);
      count.set(k, (count.get(k) ?? 0) + 1);
      if (!truth.some((t) => overlaps(t, r.box))) onNoTruth.set(k, (onNoTruth.get(k) ?? 0) + 1);
    }
    for (const [kind, boxes] of item.truth) {
      for (const b of boxes) {
        if (judgeBox(pair, b).redacted) continue;
        const near = regions.filter((r) => overlaps(r.box, [b[0]! - 40, b[1]! - 40, b[2]! + 40, b[3]! + 40]));
        missed.push(`${item.image} ${kind} [${b.map((v) => Math.round(v)).join(',')}] h=${Math.round(b[3]! - b[1]!)} near: ${near.map((r) => `${regionKey(r)} [${r.box.join(',')}]`).join('; ') || '-'}`);
      }
    }
  }
  const keys = [...new Set([...share.keys(), ...count.keys()])].sort();
  process.stdout.write(`${set.name}: ${images} images (${outDir})\n`);
  process.stdout.write(`${'region kind'.padEnd(24)} ${'regions'.padStart(8)} ${'on no truth'.padStart(12)} ${'over-blur'.padStart(10)}\n`);
  for (const k of keys) {
    const ob = `${((100 * (share.get(k) ?? 0)) / Math.max(1, images)).toFixed(2)} %`;
    process.stdout.write(`${k.padEnd(24)} ${String(count.get(k) ?? 0).padStart(8)} ${String(onNoTruth.get(k) ?? 0).padStart(12)} ${ob.padStart(10)}\n`);
  }
  process.stdout.write(`missed (${missed.length}):\n${missed.map((m) => `  ${m}`).join('\n')}\n`);
}

await main();
