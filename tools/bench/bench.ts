// `npm run bench`: ms per 1080p frame for decode → detect → blur → encode, against the models' own inference ms.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { modelNameOf } from '../../agent/adapters/modelFiles.ts';
import { parseRedactionSettings, type RedactionSettings, type RedactionSettingsInput } from '../../agent/core/redaction/redactionSettings.ts';
import { ImageFileRedactor } from '../../agent/cli/imageFileRedactor.ts';
import type { CameraGeometry } from '../../agent/core/geometry/cameraGeometry.ts';

export interface BenchCommandOptions {
  /** JPEG files to use as frames; default: the 1080p dashcam frames of ../shared/eval/dashcam-dev. */
  readonly files: readonly string[];
  readonly frames: number;
  readonly warmup: number;
  readonly modelsDir: string;
  readonly threads: number;
  readonly json: boolean;
  /** Redactor settings to measure instead of the defaults (the same as `eval --redactor`). */
  readonly redactor?: RedactionSettingsInput;
  /** How the frames' camera sits (places the face and text bands); null or absent: the fallback rows. */
  readonly camera?: CameraGeometry | null;
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
  /**
   * Mean per frame of the time spent inside onnxruntime's run() when every model runs alone, one after the other
   * (a second pass over the same frames): the floor these models set.
   */
  readonly inferenceMsPerFrame: number;
  /** Mean end-to-end ÷ that inference: what the chain adds around the models (below 1 when lanes overlap). */
  readonly ratio: number;
  /** Mean end-to-end of the second pass (models one at a time): what running the lanes at once saves. */
  readonly sequentialMeanMs: number;
  /** CPU time (user + system, all threads) per frame: the work done, whatever else runs on the machine. */
  readonly cpuMsPerFrame: number;
  readonly peakRssMb: number;
  /** Mean wall ms per frame of each stage; the face and plate lanes overlap, so these add up to more than meanMs. */
  readonly stagesMs: Readonly<Record<string, number>>;
  /** Per model, the runs per frame and the mean ms per frame inside run() in the sequential pass. */
  readonly models: Readonly<Record<string, { runs: number; ms: number }>>;
  /**
   * The sequential pass by stage (every step alone, one after the other): mean wall ms per frame, the model
   * inference inside it and the rest (cutting, resizing and laying out inputs, decoding outputs; blurring, encoding).
   */
  readonly alone: readonly { stage: string; wallMs: number; inferenceMs: number; restMs: number }[];
}

/**
 * Stages of the sequential pass, and the models each one runs. Inference is metered per model, so stages that share
 * models are one row: the plate model on vehicle crops and the text model serve the vehicle crops and the band search.
 */
function stageRows(settings: RedactionSettings): { stage: string; parts: string[]; models: string[] }[] {
  const m = settings.models;
  return [
    { stage: 'decode', parts: ['decode'], models: [] },
    { stage: 'objects (frame and tiles)', parts: ['objects (frame)', 'object tiles'], models: [m.objects] },
    { stage: 'plates', parts: ['plates'], models: [m.plates] },
    { stage: 'vehicle plates and text, band text', parts: ['vehicle plates', 'vehicle text', 'band text'], models: m.text ? [m.vehiclePlates, m.text] : [m.vehiclePlates] },
    { stage: 'faces', parts: ['faces'], models: [m.faces] },
    { stage: 'blur', parts: ['blur'], models: [] },
    { stage: 'encoding', parts: ['encoding'], models: [] },
  ];
}

const defaultFramesDir = new URL('../../../shared/eval/dashcam-dev/', import.meta.url).pathname;

/** Counts the wall time spent in every session's run(), per model: the models' share of a frame. */
function meterInference() {
  const proto = (ort.InferenceSession as unknown as { prototype: { run: (...args: unknown[]) => Promise<unknown> } }).prototype;
  const original = proto.run;
  const byModel = new Map<string, { runs: number; ms: number }>();
  let total = 0;
  proto.run = async function (this: ort.InferenceSession, ...args: unknown[]) {
    const t = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      const ms = performance.now() - t;
      total += ms;
      const m = byModel.get(modelNameOf(this) ?? '?') ?? { runs: 0, ms: 0 };
      m.runs++;
      m.ms += ms;
      byModel.set(modelNameOf(this) ?? '?', m);
    }
  };
  return { ms: () => total, byModel, restore: () => void (proto.run = original) };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

interface Pass {
  readonly times: number[];
  inferenceMs: number;
  cpuMs: number;
  readonly stagesMs: Map<string, number>;
  readonly byModel: Map<string, { runs: number; ms: number }>;
  width: number;
  height: number;
}

/** Decodes and redacts `warmup + frames` frames with one engine; figures of the last `frames`. */
async function runPass(o: BenchCommandOptions, jpegs: readonly Buffer[], concurrentLanes: boolean): Promise<Pass> {
  const engine = new ImageFileRedactor({
    modelsDir: o.modelsDir,
    threads: o.threads,
    settings: { jpegQuality: 85, ...o.redactor, concurrentLanes },
    camera: o.camera ?? null,
  });
  await engine.start();
  const meter = meterInference();
  const pass: Pass = { times: [], inferenceMs: 0, cpuMs: 0, stagesMs: new Map(), byModel: meter.byModel, width: 0, height: 0 };
  const add = (stage: string, ms: number) => pass.stagesMs.set(stage, (pass.stagesMs.get(stage) ?? 0) + ms);
  try {
    for (let i = 0; i < o.warmup + o.frames; i++) {
      if (i === o.warmup) meter.byModel.clear();
      const jpeg = jpegs[i % jpegs.length]!;
      const before = meter.ms();
      const cpu = process.cpuUsage();
      const t = performance.now();
      const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const decodeMs = performance.now() - t;
      const out = await engine.redactFrame({ data, width: info.width, height: info.height, capturedAtMs: Date.now() });
      if (i < o.warmup) continue;
      pass.times.push(performance.now() - t);
      const used = process.cpuUsage(cpu);
      pass.cpuMs += (used.user + used.system) / 1000;
      pass.inferenceMs += meter.ms() - before;
      add('decode', decodeMs);
      add('objects (frame)', out.detectMs);
      for (const [stage, ms] of Object.entries(out.stagesMs ?? {})) add(stage, ms);
      pass.width = info.width;
      pass.height = info.height;
    }
  } finally {
    meter.restore();
    await engine.close();
  }
  return pass;
}

export async function benchCommand(o: BenchCommandOptions): Promise<number> {
  const print = o.print ?? ((text: string) => process.stdout.write(text));
  const files = o.files.length
    ? [...o.files]
    : (await readdir(defaultFramesDir)).filter((f) => f.endsWith('.jpg')).sort().map((f) => path.join(defaultFramesDir, f));
  if (files.length === 0) throw new Error('no frames to measure: pass JPEG files');
  // Compressed frames in RAM, as a camera delivers them: the file system is not part of the measure.
  const jpegs = await Promise.all(files.slice(0, Math.max(1, o.frames)).map((f) => readFile(f)));
  const lanes = await runPass(o, jpegs, o.redactor?.concurrentLanes ?? true);
  // Peak memory of the measured pass, before the second engine of the floor pass adds its own.
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const alone = await runPass(o, jpegs, false);
  const n = lanes.times.length;
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sorted = [...lanes.times].sort((a, b) => a - b);
  const inference = alone.inferenceMs / alone.times.length;
  const round1 = (v: number) => Math.round(v * 10) / 10;
  const f: BenchFigures = {
    frames: n,
    width: lanes.width,
    height: lanes.height,
    threads: o.threads,
    p50Ms: Math.round(percentile(sorted, 0.5)),
    p95Ms: Math.round(percentile(sorted, 0.95)),
    meanMs: Math.round(mean(lanes.times)),
    inferenceMsPerFrame: Math.round(inference),
    ratio: Math.round((mean(lanes.times) / inference) * 100) / 100,
    sequentialMeanMs: Math.round(mean(alone.times)),
    cpuMsPerFrame: Math.round(lanes.cpuMs / n),
    peakRssMb,
    stagesMs: Object.fromEntries([...lanes.stagesMs].map(([k, v]) => [k, round1(v / n)])),
    models: Object.fromEntries(
      [...alone.byModel].map(([k, v]) => [k, { runs: round1(v.runs / alone.times.length), ms: round1(v.ms / alone.times.length) }]),
    ),
    alone: stageRows(parseRedactionSettings(o.redactor))
      .filter((r) => r.parts.some((p) => alone.stagesMs.has(p)))
      .map((r) => {
        const frames = alone.times.length;
        const wallMs = r.parts.reduce((sum, p) => sum + (alone.stagesMs.get(p) ?? 0), 0) / frames;
        const inferenceMs = r.models.reduce((sum, model) => sum + (alone.byModel.get(model)?.ms ?? 0), 0) / frames;
        return { stage: r.stage, wallMs: round1(wallMs), inferenceMs: round1(inferenceMs), restMs: round1(wallMs - inferenceMs) };
      }),
  };
  if (o.json) {
    print(`${JSON.stringify(f)}\n`);
    return 0;
  }
  const rows = (entries: [string, string][]) => entries.map(([k, v]) => `  ${k.padEnd(34)}${v}\n`).join('');
  print(
    `${f.frames} frames of ${f.width}×${f.height}, ${f.threads} threads: p50 ${f.p50Ms} ms, p95 ${f.p95Ms} ms per frame ` +
      `(decode → detect → blur → encode); inference ${f.inferenceMsPerFrame} ms per frame; ratio ${f.ratio}; ` +
      `peak RSS ${f.peakRssMb} MB; CPU ${f.cpuMsPerFrame} ms per frame\n` +
      `every model alone, one after the other: mean ${f.sequentialMeanMs} ms per frame\n` +
      `stages, mean wall ms per frame (the face lane overlaps the object and plate stages):\n` +
      rows(Object.entries(f.stagesMs).map(([k, v]) => [k, `${v}`])) +
      `inference per model, each alone (runs per frame, ms per frame):\n` +
      rows(Object.entries(f.models).map(([k, v]) => [k, `${v.runs} × → ${v.ms}`])) +
      `every step alone, one after the other: wall ms per frame = inference + the rest (inputs, outputs, pixels):\n` +
      rows(f.alone.map((r) => [r.stage, `${r.wallMs} = ${r.inferenceMs} + ${r.restMs}`])),
  );
  return 0;
}
