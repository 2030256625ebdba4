// `tilsyn bench`: ms per 1080p frame for decode → detect → blur → encode, against the models' own inference ms.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { ImageFileRedactor } from './imageFileRedactor.ts';

export interface BenchCommandOptions {
  /** JPEG files to use as frames; default: the 1080p dashcam frames of ../shared/eval/dashcam-dev. */
  readonly files: readonly string[];
  readonly frames: number;
  readonly warmup: number;
  readonly modelsDir: string;
  readonly threads: number;
  readonly json: boolean;
  readonly print?: (text: string) => void;
}

export interface BenchFigures {
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  readonly threads: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly meanMs: number;
  /** Mean per frame of the time spent inside onnxruntime's run(): the floor these models set. */
  readonly inferenceMsPerFrame: number;
  /** End-to-end ÷ inference: what the chain adds around the models. */
  readonly ratio: number;
  readonly peakRssMb: number;
}

const defaultFramesDir = new URL('../../../shared/eval/dashcam-dev/', import.meta.url).pathname;

/** Counts the wall time spent in every session's run(), the models' share of a frame. */
function meterInference(): { readonly ms: () => number; readonly restore: () => void } {
  const proto = (ort.InferenceSession as unknown as { prototype: { run: (...args: unknown[]) => Promise<unknown> } }).prototype;
  const original = proto.run;
  let total = 0;
  proto.run = async function (this: unknown, ...args: unknown[]) {
    const t = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      total += performance.now() - t;
    }
  };
  return { ms: () => total, restore: () => void (proto.run = original) };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

export async function benchCommand(o: BenchCommandOptions): Promise<number> {
  const print = o.print ?? ((text: string) => process.stdout.write(text));
  const files = o.files.length
    ? [...o.files]
    : (await readdir(defaultFramesDir)).filter((f) => f.endsWith('.jpg')).sort().map((f) => path.join(defaultFramesDir, f));
  if (files.length === 0) throw new Error('no frames to measure: pass JPEG files');
  // Compressed frames in RAM, as a camera delivers them: the file system is not part of the measure.
  const jpegs = await Promise.all(files.slice(0, Math.max(1, o.frames)).map((f) => readFile(f)));
  const engine = new ImageFileRedactor({ modelsDir: o.modelsDir, threads: o.threads, jpegQuality: 85 });
  await engine.start();
  const meter = meterInference();
  const times: number[] = [];
  let inferenceMs = 0;
  let width = 0;
  let height = 0;
  try {
    for (let i = 0; i < o.warmup + o.frames; i++) {
      const jpeg = jpegs[i % jpegs.length]!;
      const before = meter.ms();
      const t = performance.now();
      const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      await engine.redactFrame({ data, width: info.width, height: info.height, capturedAtMs: Date.now() });
      if (i < o.warmup) continue;
      times.push(performance.now() - t);
      inferenceMs += meter.ms() - before;
      width = info.width;
      height = info.height;
    }
  } finally {
    meter.restore();
    await engine.stop();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const meanMs = times.reduce((a, b) => a + b, 0) / times.length;
  const f: BenchFigures = {
    frames: times.length,
    width,
    height,
    threads: o.threads,
    p50Ms: Math.round(percentile(sorted, 0.5)),
    p95Ms: Math.round(percentile(sorted, 0.95)),
    meanMs: Math.round(meanMs),
    inferenceMsPerFrame: Math.round(inferenceMs / times.length),
    ratio: Math.round((meanMs / (inferenceMs / times.length)) * 100) / 100,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  print(
    o.json
      ? `${JSON.stringify(f)}\n`
      : `${f.frames} frames of ${f.width}×${f.height}, ${f.threads} threads: p50 ${f.p50Ms} ms, p95 ${f.p95Ms} ms per frame ` +
          `(decode → detect → blur → encode); inference ${f.inferenceMsPerFrame} ms per frame; ratio ${f.ratio}; peak RSS ${f.peakRssMb} MB\n`,
  );
  return 0;
}
