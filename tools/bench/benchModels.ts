// Benchmark of the object models the routing chooses between: ms per 416×416 frame (tensor, inference, decoding,
// NMS — the whole detect call) for YOLOX-nano and PicoDet-S, on street photos cut to 416×416, so the figures can be
// put next to the manifest's costMs. Run with `npm run bench:models` (BENCH_MODELS_RUNS, default 40 per model).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { manifestEntry } from '../../agent/adapters/modelFiles.ts';
import { createDetector } from '../../agent/adapters/createDetector.ts';
import { PICODET_MODEL } from '../../agent/adapters/detectors/picodetDetector.ts';
import { YOLOX_MODEL } from '../../agent/adapters/detectors/yoloxDetector.ts';
import type { Detector } from '../../agent/ports/detector.ts';
import type { Frame } from '../../agent/ports/frame.ts';

const RUNS = Number(process.env.BENCH_MODELS_RUNS ?? 40);
const SIDE_PX = 416;
const repoRoot = new URL('../..', import.meta.url).pathname;
const modelsDir = process.env.BENCH_MODELS_DIR ?? path.join(repoRoot, 'models');
const samplesDir = process.env.BENCH_MODELS_SAMPLES ?? path.join(repoRoot, 'demo-data/samples');

async function framesFrom(dir: string): Promise<Frame[]> {
  const files = readdirSync(dir).filter((f) => /\.jpe?g$/i.test(f)).sort();
  if (files.length === 0) throw new Error(`no JPEG photos in ${dir} (fetch the demo photos, or set BENCH_MODELS_SAMPLES)`);
  return Promise.all(
    files.map(async (f) => {
      const { data, info } = await sharp(path.join(dir, f)).resize(SIDE_PX, SIDE_PX, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return { data, width: info.width, height: info.height, capturedAtMs: 0 };
    }),
  );
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const frames = await framesFrom(samplesDir);
  const models: [string, Detector][] = [
    [YOLOX_MODEL, createDetector(YOLOX_MODEL, { modelsDir, threads: 2 })],
    [PICODET_MODEL, createDetector(PICODET_MODEL, { modelsDir, threads: 2 })],
  ];
  console.log(`${frames.length} photos cut to ${SIDE_PX}×${SIDE_PX}, ${RUNS} runs per model, 2 threads`);
  console.log('model                          p50 ms   p95 ms   manifest costMs');
  for (const [name, detector] of models) {
    await detector.start();
    for (let i = 0; i < 5; i++) await detector.detect(frames[i % frames.length]!);
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const startedAt = performance.now();
      await detector.detect(frames[i % frames.length]!);
      ms.push(performance.now() - startedAt);
    }
    await detector.close();
    ms.sort((a, b) => a - b);
    console.log(`${name.padEnd(30)} ${percentile(ms, 50).toFixed(1).padStart(6)}   ${percentile(ms, 95).toFixed(1).padStart(6)}   ${manifestEntry(name).costMs}`);
  }
}

await main();
