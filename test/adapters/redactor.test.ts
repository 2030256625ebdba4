// The redactor judged by pixels on annotated photos: every plate and face box must lose its detail.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedactor } from '../../agent/adapters/createRedactor.ts';
import { YoloxDetector } from '../../agent/adapters/detectors/yoloxDetector.ts';
import { decodeGray, judgeBox, laplacian } from '../support/detail.ts';
import { frameOf, modelsDir } from '../support/frames.ts';
import { describeWithInputs, sharedFile } from '../support/inputs.ts';

const evalDir = sharedFile('eval');
const SETS = ['plates-openalpr-eu', 'plates-openalpr-us', 'faces-wider-street'];
const MIN_H = 20;
/**
 * Measured on these picks: 22/24 boxes. The two misses are known and real: eu4 is a plate filling the whole
 * photo (no vehicle around it, y5fu sees no plate at that scale) and one US plate on a car YOLOX does not find.
 * The floor keeps a regression visible without hiding them; the misses are printed on every run.
 */
const MIN_RECALL = 0.85;

interface Truth {
  image: string;
  boxes: number[][];
  ignore?: boolean[];
}

function load(set: string): Truth[] {
  return JSON.parse(readFileSync(path.join(evalDir, set, 'boxes.json'), 'utf8')) as Truth[];
}
const counted = (t: Truth) => t.boxes.filter((b, i) => !t.ignore?.[i] && b[3]! - b[1]! >= MIN_H);

/** Deterministic picks: first N by file name (WIDER: first N whose faces are all ≥ 40 px). */
function choose(): { set: string; truth: Truth }[] {
  const byName = (a: Truth, b: Truth) => (a.image < b.image ? -1 : a.image > b.image ? 1 : 0);
  const picks: { set: string; truth: Truth }[] = [];
  for (const set of ['plates-openalpr-eu', 'plates-openalpr-us']) {
    for (const truth of load(set).sort(byName).slice(0, 6)) picks.push({ set, truth });
  }
  const wider = load('faces-wider-street')
    .sort(byName)
    .filter((t) => {
      const kept = t.boxes.filter((_, i) => !t.ignore?.[i]);
      return kept.length > 0 && kept.every((b) => b[3]! - b[1]! >= 40);
    })
    .slice(0, 4);
  for (const truth of wider) picks.push({ set: 'faces-wider-street', truth });
  return picks;
}

describeWithInputs('OnnxRedactor on annotated photos (../shared/eval)', SETS.map((set) => path.join(evalDir, set, 'boxes.json')), () => {
  const detector = new YoloxDetector({ modelsDir, threads: 2 });
  const redactor = createRedactor({ jpegQuality: 85 }, { dir: modelsDir, threads: 2 });
  beforeAll(async () => {
    await detector.start();
    await redactor.start();
  });
  afterAll(async () => {
    await redactor.stop();
    await detector.close();
  });

  const verdicts: { image: string; box: number[]; ratio: number; moved: number; redacted: boolean }[] = [];

  for (const { set, truth } of choose()) {
    it(`${set}/${truth.image}: boxes ≥ ${MIN_H} px judged by pixels, and the JPEG has no metadata`, async () => {
      const file = path.join(evalDir, set, truth.image);
      const frame = await frameOf(file, { capturedAtMs: Date.now() });
      const objects = await detector.detect(frame);
      const out = await redactor.redact(frame, objects);

      const meta = await sharp(out.jpeg).metadata();
      expect(meta.format).toBe('jpeg');
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.iptc).toBeUndefined();
      expect([meta.width, meta.height]).toEqual([frame.width, frame.height]);

      const before = await decodeGray(file);
      const after = await decodeGray(out.jpeg);
      const lapBefore = laplacian(before);
      const lapAfter = laplacian(after);
      for (const box of counted(truth)) {
        verdicts.push({ image: `${set}/${truth.image}`, box, ...judgeBox(before, after, lapBefore, lapAfter, box) });
      }
      // Every blurred region must really have lost its detail (the blur itself is strong enough). Judged inside its
      // 1-px rim: the 3×3 Laplacian on the rim reads the untouched pixels next to it, which weighs on small regions.
      for (const r of out.regions) {
        const v = judgeBox(before, after, lapBefore, lapAfter, [r.box.x1 + 1, r.box.y1 + 1, r.box.x2 - 1, r.box.y2 - 1]);
        expect(v.redacted, `${r.kind} ${JSON.stringify(r.box)} ratio ${v.ratio} moved ${v.moved}`).toBe(true);
      }
    });
  }

  it(`recall over the chosen images by the pixel measure is at least ${MIN_RECALL}`, () => {
    expect(verdicts.length).toBeGreaterThan(0);
    const hit = verdicts.filter((v) => v.redacted).length;
    const missed = verdicts.filter((v) => !v.redacted);
    console.info(`redactor pixel recall on chosen images: ${hit}/${verdicts.length}; missed: ${JSON.stringify(missed)}`);
    expect(hit / verdicts.length).toBeGreaterThanOrEqual(MIN_RECALL);
  });

  it('a plain re-encode is not counted as redacted (the measure has teeth)', async () => {
    const truth = load('plates-openalpr-eu').sort((a, b) => (a.image < b.image ? -1 : 1))[0]!;
    const file = path.join(evalDir, 'plates-openalpr-eu', truth.image);
    const reencoded = await sharp(file).jpeg({ quality: 85 }).toBuffer();
    const before = await decodeGray(file);
    const after = await decodeGray(reencoded);
    const v = judgeBox(before, after, laplacian(before), laplacian(after), truth.boxes[0]!);
    expect(v.redacted).toBe(false);
  });

  it('fails closed on a frame whose buffer does not match its size', async () => {
    const frame = { data: Buffer.alloc(100), width: 64, height: 64, capturedAtMs: 0 };
    await expect(redactor.redact(frame, [])).rejects.toThrow(/frame must be dropped/);
  });
});
