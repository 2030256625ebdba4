// `npm run eval -- SET`: redacts an annotated set and prints recall by box height and over-blur, as a table and JSON.
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { parseRedactionSettings, type RedactionSettings, type RedactionSettingsInput } from '../../agent/core/redaction/redactionSettings.ts';
import type { CameraGeometry } from '../../agent/core/geometry/cameraGeometry.ts';
import { FALLBACK_FACE_BAND, FALLBACK_TEXT_BAND, resolveFaceBand, resolveTextBand } from '../../agent/core/redaction/frameRows.ts';
import { setCamera } from './setCameras.ts';
import type { Detection } from '../../agent/ports/detector.ts';
import {
  grayFromRgb,
  imagePair,
  judgeBox,
  overblurShare,
  recallFigures,
  round,
  type BoxResult,
  type RecallFigures,
} from '../../agent/core/redaction/redactionScore.ts';
import { loadEvalSet, type EvalSet } from './evalSet.ts';
import { decodeImageFile, ImageFileRedactor } from '../../agent/cli/imageFileRedactor.ts';
import { missedBoxesPage, type MissedBox } from './missedBoxesPage.ts';
import { REDACTIONS_FILE, regionRecord } from '../../agent/cli/redact.ts';

export interface EvalCommandOptions {
  readonly set: string;
  /** Default eval-out/SET under the current folder. */
  readonly outDir?: string;
  readonly limit?: number;
  readonly modelsDir: string;
  readonly threads: number;
  readonly json: boolean;
  /** Redactor settings to try instead of the defaults (tuning on a dev set). */
  readonly redactor?: RedactionSettingsInput;
  /** How the set's camera sits; default: the set's own (tools/eval/setCameras.ts); null: none known (fallback rows). */
  readonly camera?: CameraGeometry | null;
  readonly print?: (text: string) => void;
  readonly report?: (line: string) => void;
}

export interface KindFigures {
  readonly all: RecallFigures;
  /** Boxes at least 20 px high: the ones a person could recognise at a glance. */
  readonly min20: RecallFigures;
  /** Mean over images of the textured area lost outside this kind's padded boxes (the python tool's figure). */
  readonly overblur: number;
  /**
   * The same with the boxes the set marks `ignore` counted as truth (padded alike): blur on faces too small or too
   * unclear to be scored is not over-blur. Equal to `overblur` on a set that marks none.
   */
  readonly overblurIgnoreAware: number;
  /** Boxes of this kind the set marks `ignore` on the images judged. */
  readonly ignoredBoxes: number;
}

export interface EvalFigures {
  readonly set: string;
  readonly images: number;
  readonly failedImages: number;
  readonly kinds: Record<string, KindFigures>;
  /** The same over-blur, with every kind's boxes counted as truth (blurring a plate is not over-blur of faces). */
  readonly overblurAllKinds: number;
  readonly msPerImage: { readonly mean: number; readonly p95: number };
  readonly outDir: string;
  /** The camera the bands were placed by (null: none, the fallback rows). */
  readonly camera?: CameraGeometry | null;
  /** The rows searched (shares of the height), mean over the images, beside the fallback constants (eval only). */
  readonly rows?: FrameRowsFigures;
}

export interface FrameRowsFigures {
  /** Face band searched enlarged: mean top and bottom, and the mean share of the height it spans. */
  readonly faceBand: { readonly top: number; readonly bottom: number; readonly span: number };
  /** Text band: mean top and plate row. */
  readonly textBand: { readonly top: number; readonly horizon: number };
  /** Frames whose horizon their objects placed. */
  readonly framesPlacedByObjects: number;
  readonly fallback: { readonly faceBand: typeof FALLBACK_FACE_BAND; readonly textBand: typeof FALLBACK_TEXT_BAND };
}

export async function evalCommand(o: EvalCommandOptions): Promise<number> {
  const print = o.print ?? ((text: string) => process.stdout.write(text));
  const report = o.report ?? ((line: string) => process.stderr.write(`${line}\n`));
  let set: EvalSet;
  try {
    set = await loadEvalSet(o.set);
  } catch (err) {
    report(`eval: ${(err as Error).message}`);
    return 2;
  }
  let engine: ImageFileRedactor;
  let settings: RedactionSettings;
  const camera = o.camera === undefined ? setCamera(set.name) : o.camera;
  try {
    settings = parseRedactionSettings({ jpegQuality: 90, ...o.redactor });
    engine = new ImageFileRedactor({ modelsDir: o.modelsDir, threads: o.threads, settings, camera });
  } catch (err) {
    report(`tilsyn eval: ${(err as Error).message}`);
    return 2;
  }
  try {
    await engine.start();
  } catch (err) {
    report(`eval: cannot load the redaction models: ${(err as Error).message}`);
    return 3;
  }
  const outDir = path.resolve(o.outDir ?? path.join('eval-out', set.name));
  await mkdir(outDir, { recursive: true });
  await rm(path.join(outDir, REDACTIONS_FILE), { force: true });
  const images = o.limit === undefined ? set.images : set.images.slice(0, o.limit);

  const results: BoxResult[] = [];
  const missed: MissedBox[] = [];
  const overblur = new Map<string, number[]>(set.kinds.map((k) => [k, []]));
  const overblurAware = new Map<string, number[]>(set.kinds.map((k) => [k, []]));
  const ignoredCount = new Map<string, number>();
  const overblurAll: number[] = [];
  const msList: number[] = [];
  const rows: RowsOfFrame[] = [];
  let failed = 0;
  try {
    for (const [n, item] of images.entries()) {
      const source = path.join(set.dir, item.image);
      let scored;
      try {
        scored = await scoreImage(engine, source, path.join(outDir, item.image), item.truth, item.ignored);
      } catch (err) {
        failed += 1;
        report(`skipped ${source}: ${(err as Error).message}`);
        await appendFile(path.join(outDir, REDACTIONS_FILE), `${JSON.stringify({ image: item.image, error: (err as Error).message })}\n`);
        continue;
      }
      msList.push(scored.ms);
      rows.push(rowsOfFrame(settings, camera, scored.width, scored.height, scored.objects));
      await appendFile(path.join(outDir, REDACTIONS_FILE), `${JSON.stringify(scored.record)}\n`);
      for (const [kind, share] of scored.overblur) overblur.get(kind)!.push(share);
      for (const [kind, share] of scored.overblurAware) overblurAware.get(kind)!.push(share);
      for (const [kind, boxes] of item.ignored) ignoredCount.set(kind, (ignoredCount.get(kind) ?? 0) + boxes.length);
      overblurAll.push(scored.overblurAll);
      for (const r of scored.results) {
        results.push(r);
        if (!r.verdict.redacted) {
          missed.push({
            ...r,
            sourceHref: encodeURI(path.relative(outDir, source)),
            outputHref: encodeURI(item.image),
            imageWidth: scored.width,
            imageHeight: scored.height,
          });
        }
      }
      if ((n + 1) % 25 === 0) report(`${n + 1}/${images.length} images`);
    }
  } finally {
    await engine.close();
  }

  const kinds = kindFigures(set.kinds, results, { overblur, overblurAware, ignoredCount });
  const sorted = [...msList].sort((a, b) => a - b);
  const figures: EvalFigures = {
    set: set.name,
    images: images.length,
    failedImages: failed,
    kinds,
    overblurAllKinds: round(mean(overblurAll), 4),
    msPerImage: { mean: Math.round(mean(msList)), p95: Math.round(sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))] ?? 0) },
    outDir,
    camera,
    rows: rowsFigures(rows),
  };
  await writeFile(path.join(outDir, 'eval.json'), `${JSON.stringify(figures, null, 2)}\n`);
  await writeFile(path.join(outDir, 'missed.html'), missedBoxesPage(`Missed boxes — ${set.name}`, missed));
  print(o.json ? `${JSON.stringify(figures)}\n` : figuresTable(figures));
  return failed ? 1 : 0;
}

async function scoreImage(
  engine: ImageFileRedactor,
  source: string,
  target: string,
  truth: ReadonlyMap<string, readonly (readonly number[])[]>,
  ignored: ReadonlyMap<string, readonly (readonly number[])[]>,
) {
  const frame = await decodeImageFile(source);
  const out = await engine.redactFrame(frame);
  await writeFile(target, out.jpeg);
  const decoded = await sharp(out.jpeg).raw().toBuffer({ resolveWithObject: true });
  const pair = imagePair(
    grayFromRgb(frame.data, frame.width, frame.height),
    grayFromRgb(decoded.data, decoded.info.width, decoded.info.height, decoded.info.channels),
  );
  const results: BoxResult[] = [];
  const overblur = new Map<string, number>();
  const overblurAware = new Map<string, number>();
  const allBoxes: (readonly number[])[] = [];
  for (const [kind, boxes] of truth) {
    allBoxes.push(...boxes);
    const share = overblurShare(pair, boxes);
    overblur.set(kind, share);
    const skipped = ignored.get(kind) ?? [];
    overblurAware.set(kind, skipped.length ? overblurShare(pair, [...boxes, ...skipped]) : share);
    for (const box of boxes) {
      // A box wholly outside the image is not counted (as the python tool).
      const inside = Math.min(frame.width, Math.ceil(box[2]!)) > Math.max(0, Math.trunc(box[0]!)) &&
        Math.min(frame.height, Math.ceil(box[3]!)) > Math.max(0, Math.trunc(box[1]!));
      if (!inside) continue;
      results.push({ image: path.basename(source), kind, box, heightPx: box[3]! - box[1]!, verdict: judgeBox(pair, box) });
    }
  }
  const ms = out.detectMs + out.redactMs;
  return {
    results,
    overblur,
    overblurAware,
    overblurAll: overblurShare(pair, allBoxes),
    ms,
    width: frame.width,
    height: frame.height,
    objects: out.objects,
    record: { image: path.basename(source), ms: Math.round(ms), regions: out.regions.map(regionRecord) },
  };
}

/** What the images of a set gave, per kind: the over-blur share of each image (reference, ignore-aware) and the boxes marked ignore. */
export interface KindTallies {
  readonly overblur: ReadonlyMap<string, readonly number[]>;
  readonly overblurAware: ReadonlyMap<string, readonly number[]>;
  readonly ignoredCount: ReadonlyMap<string, number>;
}

/** Each kind's figures from the verdicts of its boxes and the images' tallies (eval and eval:replan alike). */
export function kindFigures(kinds: readonly string[], results: readonly BoxResult[], t: KindTallies): Record<string, KindFigures> {
  const out: Record<string, KindFigures> = {};
  for (const kind of kinds) {
    const ofKind = results.filter((r) => r.kind === kind);
    out[kind] = {
      all: recallFigures(ofKind),
      min20: recallFigures(ofKind, 20),
      overblur: round(mean(t.overblur.get(kind) ?? []), 4),
      overblurIgnoreAware: round(mean(t.overblurAware.get(kind) ?? []), 4),
      ignoredBoxes: t.ignoredCount.get(kind) ?? 0,
    };
  }
  return out;
}

export function mean(v: readonly number[]): number {
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
}

const pct = (v: number) => (Number.isNaN(v) ? '   —  ' : `${(100 * v).toFixed(1).padStart(5)}%`);

/** Plain-text table: one row per kind, recall per height bucket with counts, over-blur. */
export function figuresTable(f: EvalFigures): string {
  const buckets = ['<10', '10-20', '20-40', '>=40'] as const;
  const cell = (r: RecallFigures, b: (typeof buckets)[number]) => {
    const v = r.byHeight[b];
    return v ? `${pct(v[2])} ${`${v[0]}/${v[1]}`.padStart(7)}` : ''.padStart(14);
  };
  const lines = [
    `${f.set}: ${f.images} images${f.failedImages ? `, ${f.failedImages} failed` : ''}, ${f.msPerImage.mean} ms per image (p95 ${f.msPerImage.p95})`,
    `${'kind'.padEnd(8)} ${'all'.padStart(14)} ${'>=20 px'.padStart(8)} ${buckets.map((b) => `${b} px`.padStart(14)).join(' ')} ${'over-blur'.padStart(10)}`,
  ];
  for (const [kind, k] of Object.entries(f.kinds)) {
    lines.push(
      `${kind.padEnd(8)} ${pct(k.all.recall)} ${`${k.all.redacted}/${k.all.boxes}`.padStart(7)} ${pct(k.min20.recall).padStart(8)} ` +
        `${buckets.map((b) => cell(k.all, b)).join(' ')} ${pct(k.overblur).padStart(10)}`,
    );
  }
  for (const [kind, k] of Object.entries(f.kinds)) {
    if (k.ignoredBoxes) lines.push(ignoreAwareLine(kind, k));
  }
  lines.push(`over-blur with every kind's boxes as truth: ${pct(f.overblurAllKinds).trim()}`);
  if (f.rows) lines.push(rowsLine(f.rows, f.camera ?? null));
  lines.push(`redacted images, eval.json, missed.html: ${f.outDir}`);
  return `${lines.join('\n')}\n`;
}

/** The over-blur of a kind beside the same with the set's `ignore` boxes counted as truth. */
export function ignoreAwareLine(kind: string, k: Pick<KindFigures, 'overblur' | 'overblurIgnoreAware' | 'ignoredBoxes'>): string {
  return (
    `over-blur of ${kind} ${pct(k.overblur).trim()} (the reference measure); with the ${k.ignoredBoxes} boxes the set marks ignore ` +
    `counted as truth: ${pct(k.overblurIgnoreAware).trim()} (${(100 * (k.overblur - k.overblurIgnoreAware)).toFixed(1)} points less)`
  );
}

interface RowsOfFrame {
  readonly face: { readonly top: number; readonly bottom: number };
  readonly text: { readonly top: number; readonly horizon: number };
  readonly byObjects: boolean;
}

/** The rows the redactor searched on one frame (the same functions it calls), as shares of the height. */
function rowsOfFrame(s: RedactionSettings, camera: CameraGeometry | null, width: number, height: number, objects: readonly Detection[]): RowsOfFrame {
  const face = resolveFaceBand(s.faces.band, camera, s.geometry, width, height, s.faces.bandMaxPx, objects);
  const text = resolveTextBand(s.text.band, camera, s.geometry, width, height, objects);
  const alone = resolveFaceBand(s.faces.band, camera, s.geometry, width, height, s.faces.bandMaxPx, []);
  return { face: { top: face.y1 / height, bottom: face.y2 / height }, text: { top: text.top, horizon: text.horizon }, byObjects: alone.y1 !== face.y1 || alone.y2 !== face.y2 };
}

function rowsFigures(rows: readonly RowsOfFrame[]): FrameRowsFigures {
  const m = (f: (r: RowsOfFrame) => number) => round(mean(rows.map(f)), 3);
  return {
    faceBand: { top: m((r) => r.face.top), bottom: m((r) => r.face.bottom), span: m((r) => r.face.bottom - r.face.top) },
    textBand: { top: m((r) => r.text.top), horizon: m((r) => r.text.horizon) },
    framesPlacedByObjects: rows.filter((r) => r.byObjects).length,
    fallback: { faceBand: FALLBACK_FACE_BAND, textBand: FALLBACK_TEXT_BAND },
  };
}

/** One line: the rows searched (mean over the images) against the fallback constants. */
export function rowsLine(r: FrameRowsFigures, camera: CameraGeometry | null): string {
  const p = (v: number) => `${(100 * v).toFixed(1)} %`;
  const cam = camera ? `camera ${camera.fovDeg}°, ${camera.mountHeightM} m, pitch ${camera.pitchDeg}°` : 'no camera geometry';
  return (
    `rows (${cam}; mean over images, ${r.framesPlacedByObjects} placed by their objects): face band ${p(r.faceBand.top)}–${p(r.faceBand.bottom)} ` +
    `(span ${p(r.faceBand.span)}; constant ${p(r.fallback.faceBand.top)}–${p(r.fallback.faceBand.bottom)}), text band from ${p(r.textBand.top)}, ` +
    `plates below ${p(r.textBand.horizon)} (constant ${p(r.fallback.textBand.top)}, ${p(r.fallback.textBand.horizon)})`
  );
}
