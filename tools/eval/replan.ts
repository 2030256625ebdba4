// `npm run eval:replan`: tune the redaction plan without running the models again. `dump` redacts a set once and keeps
// what each frame's plan was made from (faces, plates, objects, text); `plan` plans, blurs and scores those again with
// other plan settings in seconds, and tells what the over-blur is made of (which kind of region blurred each block).
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import sharp from 'sharp';
import { obscureRegions } from '../../agent/adapters/sharpObscure.ts';
import { decodeImageFile, ImageFileRedactor } from '../../agent/cli/imageFileRedactor.ts';
import { planRedaction, type PlanInput, type PlanOverrides } from '../../agent/core/redaction/redactionPlan.ts';
import {
  grayFromRgb,
  imagePair,
  judgeBox,
  OVERBLUR_BLOCK_PX,
  overblurShare,
  round,
  type BoxResult,
  type TruthBox,
} from '../../agent/core/redaction/redactionScore.ts';
import type { RedactionSettingsInput } from '../../agent/core/redaction/redactionSettings.ts';
import { defaultModelsDir, redactorSettings, runTool } from '../runTool.ts';
import { figuresTable, kindFigures, mean } from './eval.ts';
import { loadEvalSet } from './evalSet.ts';
import { parseCameraOption, setCamera } from './setCameras.ts';

/** One line of a dump: an image of the set and what its plan was made from. */
interface DumpLine {
  readonly image: string;
  readonly input: PlanInput;
}

async function dump(set: string, o: { cache: string; limit?: string; modelsDir: string; threads: string; redactor?: string; camera?: string }): Promise<void> {
  const s = await loadEvalSet(set);
  // The set's own camera, as `npm run eval` places the bands, so that the findings are the ones eval's figures come from.
  const camera = o.camera === undefined ? setCamera(s.name) : parseCameraOption(o.camera);
  let last: PlanInput | null = null;
  const engine = new ImageFileRedactor({
    modelsDir: o.modelsDir,
    threads: Number(o.threads),
    settings: redactorSettings<RedactionSettingsInput>(o.redactor),
    camera,
    onPlanInput: (input) => (last = input),
  });
  await engine.start();
  const images = o.limit === undefined ? s.images : s.images.slice(0, Number(o.limit));
  const lines: string[] = [];
  try {
    for (const [n, item] of images.entries()) {
      last = null;
      await engine.redactFrame(await decodeImageFile(path.join(s.dir, item.image)));
      if (!last) throw new Error(`${item.image}: no plan input seen`);
      lines.push(JSON.stringify({ image: item.image, input: last } satisfies DumpLine));
      if ((n + 1) % 25 === 0) process.stderr.write(`${n + 1}/${images.length} images\n`);
    }
  } finally {
    await engine.close();
  }
  await writeFile(o.cache, `${lines.join('\n')}\n`);
  process.stderr.write(`${lines.length} plan inputs: ${o.cache}\n`);
}

async function* readDump(file: string): AsyncGenerator<DumpLine> {
  for await (const line of createInterface({ input: createReadStream(file) })) if (line.trim()) yield JSON.parse(line) as DumpLine;
}

async function plan(set: string, o: { cache: string; plan?: string; json?: boolean; limit?: string; missed?: string }): Promise<void> {
  const s = await loadEvalSet(set);
  const truthOf = new Map(s.images.map((i) => [i.image, i.truth]));
  const ignoredOf = new Map(s.images.map((i) => [i.image, i.ignored]));
  const overrides = redactorSettings<PlanOverrides>(o.plan) ?? {};
  const results: BoxResult[] = [];
  const overblur = new Map<string, number[]>(s.kinds.map((k) => [k, []]));
  const overblurAware = new Map<string, number[]>(s.kinds.map((k) => [k, []]));
  const ignoredCount = new Map<string, number>();
  /** Per truth kind: per region kind, the share of textured blocks lost under that kind's regions. */
  const byRegion = new Map<string, Map<string, number>>(s.kinds.map((k) => [k, new Map()]));
  /** The same for the ignore-aware figure (the set's `ignore` boxes counted as truth). */
  const byRegionAware = new Map<string, Map<string, number>>(s.kinds.map((k) => [k, new Map()]));
  let images = 0;
  const missed: string[] = [];
  for await (const { image, input } of readDump(o.cache)) {
    const truth = truthOf.get(image);
    if (!truth) continue;
    if (o.limit !== undefined && images >= Number(o.limit)) break;
    images += 1;
    const frame = await decodeImageFile(path.join(s.dir, image));
    const regions = planRedaction(input, overrides);
    const pixels = Buffer.from(frame.data);
    await obscureRegions(pixels, frame.width, frame.height, regions.map((r) => r.box), 'blur', regions.map((r) => r.kind));
    const jpeg = await sharp(pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    const decoded = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    const pair = imagePair(grayFromRgb(frame.data, frame.width, frame.height), grayFromRgb(decoded.data, frame.width, frame.height, decoded.info.channels));
    // Per 16-px block of the over-blur measure: a bit for each kind of region that touches it, and one for ignored boxes.
    const blk = OVERBLUR_BLOCK_PX;
    const cols = Math.ceil(frame.width / blk);
    const marks = new Uint8Array(cols * Math.ceil(frame.height / blk));
    const mark = (b: { x1: number; y1: number; x2: number; y2: number }, bit: number) => {
      for (let by = Math.max(0, Math.floor(b.y1 / blk)); by * blk < Math.min(frame.height, b.y2); by++) {
        for (let bx = Math.max(0, Math.floor(b.x1 / blk)); bx * blk < Math.min(frame.width, b.x2); bx++) marks[by * cols + bx]! |= bit;
      }
    };
    for (const r of regions) mark(r.box, 1 << markNames.indexOf(r.kind));
    const ignored = ignoredOf.get(image) ?? new Map<string, readonly TruthBox[]>();
    for (const b of [...ignored.values()].flat()) mark(padded(b), 1 << markNames.indexOf('(on an ignored box)'));
    /** The over-blur of one image with `boxes` as truth, its lost blocks added to `into` by the kinds of region over them. */
    const attributed = (boxes: readonly TruthBox[], into: Map<string, number>) => {
      const counts = new Map<string, number>();
      let lost = 0;
      const share = overblurShare(pair, boxes, (x, y) => {
        const bits = marks[(y / OVERBLUR_BLOCK_PX) * cols + x / OVERBLUR_BLOCK_PX]!;
        for (let k = 0; k < markNames.length; k++) {
          if (bits & (1 << k)) counts.set(markNames[k]!, (counts.get(markNames[k]!) ?? 0) + 1);
        }
        if (bits === 0) counts.set('(no region: encode)', (counts.get('(no region: encode)') ?? 0) + 1);
        lost += 1;
      });
      // Each lost block is 1/textured of the image's share; the image's share of the mean is 1/images (divided at the end).
      for (const [k, n] of counts) into.set(k, (into.get(k) ?? 0) + (lost ? (n * share) / lost : 0));
      return share;
    };
    for (const [kind, boxes] of truth) {
      const skipped = ignored.get(kind) ?? [];
      ignoredCount.set(kind, (ignoredCount.get(kind) ?? 0) + skipped.length);
      overblur.get(kind)!.push(attributed(boxes, byRegion.get(kind)!));
      overblurAware.get(kind)!.push(attributed([...boxes, ...skipped], byRegionAware.get(kind)!));
      for (const box of boxes) {
        const inside = Math.min(frame.width, Math.ceil(box[2]!)) > Math.max(0, Math.trunc(box[0]!)) && Math.min(frame.height, Math.ceil(box[3]!)) > Math.max(0, Math.trunc(box[1]!));
        if (!inside) continue;
        const verdict = judgeBox(pair, box);
        results.push({ image, kind, box, heightPx: box[3]! - box[1]!, verdict });
        if (!verdict.redacted && o.missed) {
          const near = padded(box);
          const around = regions.filter((r) => r.box.x1 < near.x2 && near.x1 < r.box.x2 && r.box.y1 < near.y2 && near.y1 < r.box.y2);
          missed.push(JSON.stringify({ image, kind, box, ratio: round(verdict.ratio, 2), around }));
        }
      }
    }
  }
  if (o.missed) await writeFile(o.missed, missed.length ? `${missed.join('\n')}\n` : '');
  const kinds = kindFigures(s.kinds, results, { overblur, overblurAware, ignoredCount });
  const perKind = (by: Map<string, Map<string, number>>) =>
    Object.fromEntries(
      [...by].map(([kind, per]) => [kind, Object.fromEntries([...per].map(([k, v]) => [k, round(v / Math.max(1, images), 4)]).sort((a, b) => Number(b[1]) - Number(a[1])))]),
    );
  const attribution = perKind(byRegion);
  const attributionIgnoreAware = perKind(byRegionAware);
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ set: s.name, images, kinds, attribution, attributionIgnoreAware })}\n`);
    return;
  }
  process.stdout.write(
    figuresTable({ set: s.name, images, failedImages: 0, kinds, overblurAllKinds: Number.NaN, msPerImage: { mean: 0, p95: 0 }, outDir: '(not written)' })
      .split('\n')
      .filter((l) => !l.startsWith('over-blur with') && !l.startsWith('redacted images'))
      .join('\n'),
  );
  const under = (per: Record<string, unknown>) => Object.entries(per).map(([k, v]) => `${k} ${(100 * Number(v)).toFixed(2)} %`).join(', ');
  for (const [kind, per] of Object.entries(attribution)) process.stdout.write(`over-blur of ${kind} truth under: ${under(per)}\n`);
  for (const [kind, per] of Object.entries(attributionIgnoreAware)) {
    if (kinds[kind]!.ignoredBoxes) process.stdout.write(`ignore-aware over-blur of ${kind} truth under: ${under(per)}\n`);
  }
}

/** Names of the bits of the block marks. */
const markNames = ['face', 'plate', 'head-region', 'plate-zone', 'cabin-zone', '(on an ignored box)'];

/** A truth box padded by half its size, as the over-blur measure pads it. */
function padded(b: TruthBox) {
  const px = 0.5 * (b[2]! - b[0]!);
  const py = 0.5 * (b[3]! - b[1]!);
  return { x1: b[0]! - px, y1: b[1]! - py, x2: b[2]! + px, y2: b[3]! + py };
}

const program = new Command().name('eval:replan').description('tune the redaction plan on what the models found once, without running them again');
program
  .command('dump')
  .description('redact SET once and keep what each plan was made from')
  .argument('<set>', 'a folder with boxes*.json, or a set name under ../shared/eval')
  .requiredOption('--cache <file>', 'where the plan inputs go (JSON lines)')
  .option('--limit <n>', 'only the first N images by name')
  .option('--models-dir <dir>', 'model weights', defaultModelsDir)
  .option('--threads <n>', 'inference threads', '2')
  .option('--redactor <json>', 'redaction settings for the models (docs/schemas/redaction-settings.json)')
  .option('--camera <json>', 'camera geometry instead of the set\'s own, as for eval; "none": the fallback rows')
  .action(dump);
program
  .command('plan')
  .description('plan, blur and score SET again from a dump, with other plan settings')
  .argument('<set>', 'the set the dump was made from')
  .requiredOption('--cache <file>', 'a dump of this set')
  .option('--plan <json>', 'plan settings (the "plan" part of the redaction settings), e.g. \'{"headMarginTop":0.05}\'')
  .option('--limit <n>', 'only the first N images of the dump')
  .option('--json', 'print the figures as JSON')
  .option('--missed <file>', 'write the truth boxes left sharp, with the regions blurred round them (JSON lines)')
  .action(plan);
await runTool(program);
