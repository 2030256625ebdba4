// An annotated evaluation set: a folder of images and boxes*.json files of ground truth, one per kind.
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TruthBox } from '../../agent/core/redaction/redactionScore.ts';

export interface EvalImage {
  readonly image: string;
  /** Non-ignored boxes per kind ("face", "plate", …). */
  readonly truth: ReadonlyMap<string, readonly TruthBox[]>;
  /**
   * Boxes the set marks `ignore`, per kind (WIDER: faces ≤ 10 px or invalid). Not truth for recall, and blur on them
   * counts as over-blur in the reference measure, although most are real faces the redaction must blur.
   */
  readonly ignored: ReadonlyMap<string, readonly TruthBox[]>;
}

export interface EvalSet {
  readonly name: string;
  readonly dir: string;
  readonly kinds: readonly string[];
  /** Sorted by image name. */
  readonly images: readonly EvalImage[];
}

export const sharedEvalDir = new URL('../../../shared/eval/', import.meta.url).pathname;

/** SET as a folder path, else as the name of a folder under ../shared/eval. */
export function resolveSetDir(set: string): string {
  if (existsSync(set) && statSync(set).isDirectory()) return path.resolve(set);
  const shared = path.join(sharedEvalDir, set);
  if (existsSync(shared) && statSync(shared).isDirectory()) return shared;
  throw new Error(`no evaluation set "${set}": neither a folder nor a folder of ${sharedEvalDir}`);
}

interface RawItem {
  image?: unknown;
  boxes?: unknown;
  ignore?: unknown;
  class?: unknown;
}

export async function loadEvalSet(set: string): Promise<EvalSet> {
  const dir = resolveSetDir(set);
  const files = (await readdir(dir)).filter((f) => /^boxes(-[\w-]+)?\.json$/.test(f)).sort();
  if (files.length === 0) throw new Error(`${dir} holds no boxes.json or boxes-KIND.json`);
  const byImage = new Map<string, Map<string, TruthBox[]>>();
  const ignoredByImage = new Map<string, Map<string, TruthBox[]>>();
  const kinds = new Set<string>();
  for (const file of files) {
    const where = path.join(dir, file);
    let items: RawItem[];
    try {
      items = JSON.parse(await readFile(where, 'utf8')) as RawItem[];
      if (!Array.isArray(items)) throw new Error('not a JSON array');
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    const fileKind = /^boxes-([\w-]+)\.json$/.exec(file)?.[1];
    items.forEach((it, n) => {
      if (typeof it.image !== 'string' || !Array.isArray(it.boxes)) throw new Error(`${where}[${n}]: needs "image" and "boxes"`);
      const kind = typeof it.class === 'string' ? it.class : (fileKind ?? 'box');
      kinds.add(kind);
      const ignore = Array.isArray(it.ignore) ? (it.ignore as unknown[]) : [];
      const boxes = (it.boxes as unknown[]).filter((b, i) => ignore[i] !== true) as TruthBox[];
      const ignoredBoxes = (it.boxes as unknown[]).filter((b, i) => ignore[i] === true) as TruthBox[];
      for (const b of [...boxes, ...ignoredBoxes]) {
        if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === 'number')) {
          throw new Error(`${where}[${n}]: a box must be [x1, y1, x2, y2], got ${JSON.stringify(b)}`);
        }
      }
      const perKind = byImage.get(it.image) ?? new Map<string, TruthBox[]>();
      perKind.set(kind, [...(perKind.get(kind) ?? []), ...boxes]);
      byImage.set(it.image, perKind);
      const ignoredPerKind = ignoredByImage.get(it.image) ?? new Map<string, TruthBox[]>();
      if (ignoredBoxes.length) ignoredPerKind.set(kind, [...(ignoredPerKind.get(kind) ?? []), ...ignoredBoxes]);
      ignoredByImage.set(it.image, ignoredPerKind);
    });
  }
  const images = [...byImage.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([image, truth]) => ({ image, truth, ignored: ignoredByImage.get(image) ?? new Map<string, TruthBox[]>() }));
  return { name: path.basename(dir), dir, kinds: [...kinds].sort(), images };
}
