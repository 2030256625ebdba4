// Redacts every image of an annotated set into OUT_DIR (redacted JPEGs only) so redaction_score.py can judge them.
// usage: tsx scripts/evalRedaction.ts BOXES_JSON IN_DIR OUT_DIR [--threads N] [--face-long-side PX] [--face-threshold S]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { OnnxRedactor } from '../agent/adapters/onnxRedactor.ts';
import { YoloxDetector } from '../agent/adapters/yoloxDetector.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  args.splice(i, 2);
  return v;
};
const threads = flag('--threads', 2);
const faceLongSide = flag('--face-long-side', 1920);
const faceScoreThreshold = flag('--face-threshold', 0.4);
const [boxesJson, inDir, outDir] = args;
if (!boxesJson || !inDir || !outDir) {
  console.error('usage: tsx scripts/evalRedaction.ts BOXES_JSON IN_DIR OUT_DIR [--threads N] [--face-long-side PX] [--face-threshold S]');
  process.exit(2);
}
const modelsDir = new URL('../models/', import.meta.url).pathname;
const items = JSON.parse(await readFile(boxesJson, 'utf8')) as { image: string }[];
await mkdir(outDir, { recursive: true });
const detector = new YoloxDetector({ modelsDir, threads });
const redactor = new OnnxRedactor({ modelsDir, threads, jpegQuality: 90, faceLongSide, faceScoreThreshold });
await detector.start();
await redactor.start();
let detectMs = 0;
let redactMs = 0;
for (const it of items) {
  const { data, info } = await sharp(path.join(inDir, it.image))
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const frame = { data, width: info.width, height: info.height, capturedAtMs: Date.now() };
  const t = performance.now();
  const objects = await detector.detect(frame);
  detectMs += performance.now() - t;
  const out = await redactor.redact(frame, objects);
  redactMs += out.ms;
  await writeFile(path.join(outDir, it.image), out.jpeg);
}
console.log(
  `${items.length} images: detect ${(detectMs / items.length).toFixed(1)} ms/frame, ` +
    `redact ${(redactMs / items.length).toFixed(1)} ms/frame (threads ${threads}, face long side ${faceLongSide})`,
);
await redactor.stop();
await detector.stop();
