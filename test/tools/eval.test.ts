// `npm run eval`: recall by box height and over-blur on a few images of each set, agreeing with redaction_score.py.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { evalCommand, type EvalFigures } from '../../tools/eval/eval.ts';
import { assertInputs, describeWithInputs, sharedFile } from '../support/inputs.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const modelsDir = path.join(repoRoot, 'models');
const sharedEval = sharedFile('eval');
const scoreTool = sharedFile('tools/redaction_score.py');
const TIMEOUT_MS = 300_000;

/** A python3 with numpy and Pillow, which the reference tool needs (setup-dev.sh installs python3-numpy and python3-pil). */
function python(): string {
  for (const exe of ['python3', '/usr/bin/python3']) {
    if (spawnSync(exe, ['-c', 'import numpy, PIL'], { stdio: 'ignore' }).status === 0) return exe;
  }
  throw new Error('no python3 with numpy and Pillow for the reference scoring tool: run ./scripts/setup-dev.sh (python3-numpy, python3-pil)');
}

async function runEval(set: string, limit: number): Promise<{ figures: EvalFigures; outDir: string; code: number }> {
  const outDir = mkdtempSync(path.join(tmpdir(), `tilsyn-eval-${set}-`));
  let printed = '';
  const code = await evalCommand({ set, outDir, limit, modelsDir, threads: 2, json: true, print: (t) => (printed += t), report: () => {} });
  return { figures: JSON.parse(printed) as EvalFigures, outDir, code };
}

const SETS = ['plates-openalpr-eu', 'plates-openalpr-us', 'faces-wider-street', 'dashcam-dev'];

describeWithInputs('npm run eval', SETS.map((set) => path.join(sharedEval, set)), () => {
  // Floors for a few images per set, well under what the full sets measure: a smoke check that catches a broken
  // chain (a model that finds nothing, a blur that keeps detail), not a tuning target.
  const floors: [set: string, kind: string, limit: number, minRecall: number][] = [
    ['plates-openalpr-eu', 'plate', 8, 0.75],
    ['plates-openalpr-us', 'plate', 8, 0.75],
    ['faces-wider-street', 'face', 4, 0.5],
    ['dashcam-dev', 'plate', 3, 0.5],
    // 9 faces, 4 of them under 10 px, all 9 blurred when measured: a broken face chain shows here.
    ['dashcam-dev', 'face', 3, 0.75],
  ];
  for (const [set, kind, limit, minRecall] of floors) {
    it(`${set}: ${kind} recall on ${limit} images is at least ${minRecall}; outputs are redacted images and reports only`, async () => {
      const { figures, outDir, code } = await runEval(set, limit);
      expect(code).toBe(0);
      expect(figures.images).toBe(limit);
      const k = figures.kinds[kind]!;
      expect(k.all.boxes).toBeGreaterThan(0);
      expect(k.all.recall).toBeGreaterThanOrEqual(minRecall);
      expect(Object.keys(k.all.byHeight).every((b) => ['<10', '10-20', '20-40', '>=40'].includes(b))).toBe(true);
      // No crops or copies of source pixels: one redacted JPEG per image, plus the three reports.
      const files = readdirSync(outDir);
      expect(files.filter((f) => !f.endsWith('.jpg')).sort()).toEqual(['eval.json', 'missed.html', 'redactions.jsonl']);
      expect(files.filter((f) => f.endsWith('.jpg'))).toHaveLength(limit);
    }, TIMEOUT_MS);
  }

  it('agrees with ../shared/tools/redaction_score.py on the same outputs', async () => {
    assertInputs(scoreTool);
    const py = python();
    const set = 'dashcam-dev';
    const { figures, outDir } = await runEval(set, 4);
    const evaluated = new Set(readdirSync(outDir).filter((f) => f.endsWith('.jpg')));
    for (const kind of ['face', 'plate']) {
      // The reference tool judges every item of its file: give it the same images we redacted.
      const items = (JSON.parse(readFileSync(path.join(sharedEval, set, `boxes-${kind}.json`), 'utf8')) as { image: string }[]).filter((i) =>
        evaluated.has(i.image),
      );
      const truth = path.join(outDir, `truth-${kind}.json`);
      writeFileSync(truth, JSON.stringify(items));
      const ref = JSON.parse(execFileSync(py, [scoreTool, truth, path.join(sharedEval, set), outDir, '--json'], { encoding: 'utf8' })) as {
        boxes: number;
        redacted: number;
        overblur_mean: number;
        by_height: Record<string, [number, number, number]>;
      };
      const ours = figures.kinds[kind]!;
      expect([ours.all.boxes, ours.all.redacted]).toEqual([ref.boxes, ref.redacted]);
      for (const [bucket, [hit, n]] of Object.entries(ref.by_height)) expect(ours.all.byHeight[bucket as '<10']?.slice(0, 2)).toEqual([hit, n]);
      expect(Math.abs(ours.overblur - ref.overblur_mean)).toBeLessThanOrEqual(0.0005);
    }
  }, TIMEOUT_MS);

  it('prints beside the reference over-blur the same with the boxes a set marks ignore counted as truth', async () => {
    assertInputs(scoreTool);
    const py = python();
    const set = 'faces-wider-street';
    // The first images of WIDER hold crowds with faces it marks ignore (≤ 10 px or invalid).
    const { figures, outDir } = await runEval(set, 4);
    const k = figures.kinds.face!;
    expect(k.ignoredBoxes).toBeGreaterThan(0);
    expect(k.overblurIgnoreAware).toBeLessThanOrEqual(k.overblur);
    const evaluated = new Set(readdirSync(outDir).filter((f) => f.endsWith('.jpg')));
    const items = (JSON.parse(readFileSync(path.join(sharedEval, set, 'boxes.json'), 'utf8')) as { image: string; ignore?: boolean[] }[]).filter((i) =>
      evaluated.has(i.image),
    );
    const score = (file: string, list: unknown[]) => {
      writeFileSync(path.join(outDir, file), JSON.stringify(list));
      return JSON.parse(execFileSync(py, [scoreTool, path.join(outDir, file), path.join(sharedEval, set), outDir, '--json'], { encoding: 'utf8' })) as {
        overblur_mean: number;
      };
    };
    // The reference tool on the set as it is gives the official figure; with no box ignored, the ignore-aware one.
    expect(Math.abs(k.overblur - score('truth.json', items).overblur_mean)).toBeLessThanOrEqual(0.0005);
    const unignored = items.map(({ ignore: _ignore, ...rest }) => rest);
    expect(Math.abs(k.overblurIgnoreAware - score('truth-all.json', unignored).overblur_mean)).toBeLessThanOrEqual(0.0005);
  }, TIMEOUT_MS);

  it('draws missed boxes over the source image by reference, in place', async () => {
    // The first 8 frames: the first few now have every box blurred, and a page needs misses to show.
    const { outDir } = await runEval('dashcam-dev', 8);
    const html = readFileSync(path.join(outDir, 'missed.html'), 'utf8');
    const srcs = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => decodeURI(m[1]!));
    for (const src of srcs) {
      const resolved = path.resolve(outDir, src);
      expect(existsSync(resolved), resolved).toBe(true);
      // Either the untouched source in ../shared or our own redacted output — nothing else.
      expect(resolved.startsWith(path.join(sharedEval, 'dashcam-dev')) || path.dirname(resolved) === outDir).toBe(true);
    }
    // Faces with no person or vehicle box round them and tiny far faces leave some misses; each is drawn twice.
    expect(srcs.length).toBeGreaterThan(0);
    expect([...html.matchAll(/<rect /g)]).toHaveLength(srcs.length);
    expect(srcs.filter((s) => !s.startsWith('..'))).toHaveLength(srcs.length / 2);
  }, TIMEOUT_MS);

  it('names a set that does not exist', async () => {
    const lines: string[] = [];
    const code = await evalCommand({ set: 'no-such-set', modelsDir, threads: 1, json: false, print: () => {}, report: (l) => lines.push(l) });
    expect(code).toBe(2);
    expect(lines.join('\n')).toContain('no evaluation set "no-such-set"');
  });
});
