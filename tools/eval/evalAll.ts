// `npm run eval` without a set: every annotated set, each on its own, and one table — recall by box height and
// over-blur per set and kind, and every set's boxes pooled.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RecallFigures } from '../../agent/core/redaction/redactionScore.ts';
import { evalCommand, ignoreAwareLine, rowsLine, type EvalCommandOptions, type EvalFigures } from './eval.ts';
import { sharedEvalDir } from './evalSet.ts';

const BUCKETS = ['<10', '10-20', '20-40', '>=40'] as const;

/** The set folders under ../shared/eval (each holds boxes*.json). */
export function allSets(dir = sharedEvalDir): string[] {
  try {
    return readdirSync(dir)
      .filter((d) => statSync(path.join(dir, d)).isDirectory() && readdirSync(path.join(dir, d)).some((f) => /^boxes(-[\w-]+)?\.json$/.test(f)))
      .sort();
  } catch {
    return [];
  }
}

export interface EvalAllOptions extends Omit<EvalCommandOptions, 'set' | 'outDir' | 'json'> {
  readonly sets: readonly string[];
  /** Each set's outputs go to OUT/SET (default eval-out/SET). */
  readonly outDir?: string;
  readonly json: boolean;
}

/** Runs each set on its own, then prints one table. Exit code: the worst of the sets'. */
export async function evalAllCommand(o: EvalAllOptions): Promise<number> {
  const print = o.print ?? ((text: string) => process.stdout.write(text));
  const report = o.report ?? ((line: string) => process.stderr.write(`${line}\n`));
  const sets = o.sets.length ? o.sets : allSets();
  if (sets.length === 0) {
    report(`tilsyn eval: no annotated sets under ${sharedEvalDir}`);
    return 2;
  }
  const figures: EvalFigures[] = [];
  let code = 0;
  for (const set of sets) {
    report(`${set} …`);
    let json = '';
    const c = await evalCommand({
      ...o,
      set,
      json: true,
      outDir: path.join(o.outDir ?? 'eval-out', path.basename(set)),
      print: (t) => (json += t),
    });
    code = Math.max(code, c);
    if (json) figures.push(JSON.parse(json) as EvalFigures);
  }
  print(o.json ? `${JSON.stringify(figures)}\n` : combinedTable(figures));
  return code;
}

type Counts = Record<(typeof BUCKETS)[number] | 'all' | 'min20', [number, number]>;

const pct = (hit: number, n: number) => (n ? `${((100 * hit) / n).toFixed(1).padStart(5)}%` : '   —  ');
const cell = ([hit, n]: [number, number]) => (n ? `${pct(hit, n)} ${`${hit}/${n}`.padStart(9)}` : ''.padStart(16));

function counts(all: RecallFigures, min20: RecallFigures): Counts {
  const c = { all: [all.redacted, all.boxes], min20: [min20.redacted, min20.boxes] } as Counts;
  for (const b of BUCKETS) c[b] = [all.byHeight[b]?.[0] ?? 0, all.byHeight[b]?.[1] ?? 0];
  return c;
}

/** One row per set and kind, then one per kind with every set's boxes pooled (over-blur: the mean of the sets'). */
export function combinedTable(figures: readonly EvalFigures[]): string {
  const head = `${'set'.padEnd(20)} ${'kind'.padEnd(6)} ${'all'.padStart(16)} ${'>=20 px'.padStart(16)} ${BUCKETS.map((b) => `${b} px`.padStart(16)).join(' ')} ${'over-blur'.padStart(10)} ${'ms/img'.padStart(7)}`;
  const lines = [head];
  const pooled = new Map<string, { c: Counts; overblur: number[] }>();
  for (const f of figures) {
    for (const [kind, k] of Object.entries(f.kinds)) {
      const c = counts(k.all, k.min20);
      lines.push(
        `${f.set.padEnd(20)} ${kind.padEnd(6)} ${cell(c.all)} ${cell(c.min20)} ${BUCKETS.map((b) => cell(c[b])).join(' ')} ${`${(100 * k.overblur).toFixed(1)}%`.padStart(10)} ${String(f.msPerImage.mean).padStart(7)}`,
      );
      const p = pooled.get(kind) ?? { c: { all: [0, 0], min20: [0, 0], '<10': [0, 0], '10-20': [0, 0], '20-40': [0, 0], '>=40': [0, 0] }, overblur: [] };
      for (const key of Object.keys(p.c) as (keyof Counts)[]) {
        p.c[key] = [p.c[key][0] + c[key][0], p.c[key][1] + c[key][1]];
      }
      p.overblur.push(k.overblur);
      pooled.set(kind, p);
    }
  }
  for (const [kind, p] of pooled) {
    const ob = p.overblur.reduce((a, b) => a + b, 0) / p.overblur.length;
    lines.push(`${'all sets'.padEnd(20)} ${kind.padEnd(6)} ${cell(p.c.all)} ${cell(p.c.min20)} ${BUCKETS.map((b) => cell(p.c[b])).join(' ')} ${`${(100 * ob).toFixed(1)}%`.padStart(10)}`);
  }
  for (const f of figures) {
    for (const [kind, k] of Object.entries(f.kinds)) if (k.ignoredBoxes) lines.push(`${f.set}: ${ignoreAwareLine(kind, k)}`);
  }
  for (const f of figures) if (f.rows) lines.push(`${f.set}: ${rowsLine(f.rows, f.camera ?? null)}`);
  lines.push('recall = share of annotated boxes whose detail the redaction destroyed; over-blur = textured area lost outside them');
  return `${lines.join('\n')}\n`;
}
