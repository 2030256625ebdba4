// `tilsyn redact --out DIR FILE...`: redacted copies of image files plus DIR/redactions.jsonl of what was blurred.
import { appendFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RedactedRegion } from '../ports/detector.ts';
import type { ObscureStyle } from '../adapters/sharpObscure.ts';
import type { CameraGeometry } from '../core/geometry/cameraGeometry.ts';
import { decodeImageFile, ImageFileRedactor } from './imageFileRedactor.ts';

export interface RedactCommandOptions {
  readonly outDir: string;
  readonly files: readonly string[];
  readonly modelsDir: string;
  readonly threads: number;
  /** Redaction settings to start from (a vehicle's `redaction` config); the options below override them. */
  readonly settings?: object;
  /** How the camera that took the images sits (a vehicle's `camera` config): places the face and text bands. */
  readonly camera?: CameraGeometry | null;
  readonly jpegQuality?: number;
  readonly deadlineMs?: number;
  readonly style?: ObscureStyle;
  /** Where progress and problems are written (stderr by default). */
  readonly report?: (line: string) => void;
}

/** One line of redactions.jsonl. */
export interface RedactionRecord {
  readonly image: string;
  readonly output?: string;
  readonly width?: number;
  readonly height?: number;
  readonly ms?: number;
  readonly detectMs?: number;
  readonly regions?: { kind: string; detector: string; score: number; box: [number, number, number, number] }[];
  readonly error?: string;
}

export const REDACTIONS_FILE = 'redactions.jsonl';

/** Output name: the input's file name; anything that is not a JPEG gets a .jpg extension (the output is a JPEG). */
export function outputNameFor(file: string): string {
  const base = path.basename(file);
  return /\.jpe?g$/i.test(base) ? base : `${base.replace(/\.[^.]*$/, '')}.jpg`;
}

export function regionRecord(r: RedactedRegion): NonNullable<RedactionRecord['regions']>[number] {
  const b = r.box;
  return {
    kind: r.kind,
    detector: r.detector,
    score: Math.round(r.score * 1000) / 1000,
    box: [Math.round(b.x1), Math.round(b.y1), Math.round(b.x2), Math.round(b.y2)],
  };
}

/**
 * Exit code: 0 all redacted; 1 some images skipped (unreadable, or their redaction failed — nothing of them is
 * written); 3 models missing or corrupt (nothing done).
 */
export async function redactCommand(o: RedactCommandOptions): Promise<number> {
  const report = o.report ?? ((line: string) => process.stderr.write(`${line}\n`));
  const engine = new ImageFileRedactor({
    modelsDir: o.modelsDir,
    threads: o.threads,
    settings: {
      ...o.settings,
      ...(o.jpegQuality !== undefined ? { jpegQuality: o.jpegQuality } : {}),
      ...(o.deadlineMs !== undefined ? { deadlineMs: o.deadlineMs } : {}),
      ...(o.style ? { style: o.style } : {}),
    },
    camera: o.camera ?? null,
  });
  try {
    await engine.start();
  } catch (err) {
    report(`tilsyn redact: cannot load the redaction models: ${(err as Error).message}`);
    return 3;
  }
  await mkdir(o.outDir, { recursive: true });
  const jsonl = path.join(o.outDir, REDACTIONS_FILE);
  const taken = new Set<string>();
  let failed = 0;
  try {
    for (const file of o.files) {
      const record = await redactOne(engine, file, o.outDir, taken);
      if (record.error) {
        failed += 1;
        report(`skipped ${file}: ${record.error}`);
      }
      await appendFile(jsonl, `${JSON.stringify(record)}\n`);
    }
  } finally {
    await engine.close();
  }
  report(`redacted ${o.files.length - failed} of ${o.files.length} images into ${o.outDir}` + (failed ? `; ${failed} skipped` : ''));
  return failed ? 1 : 0;
}

async function redactOne(engine: ImageFileRedactor, file: string, outDir: string, taken: Set<string>): Promise<RedactionRecord> {
  const name = outputNameFor(file);
  if (taken.has(name)) return { image: file, error: `another input already wrote ${name} in this run` };
  let frame;
  try {
    frame = await decodeImageFile(file);
  } catch (err) {
    return { image: file, error: `unreadable image: ${(err as Error).message}` };
  }
  let out;
  try {
    out = await engine.redactFrame(frame);
  } catch (err) {
    return { image: file, error: (err as Error).message };
  }
  // Written under a temporary name and renamed, so a crash never leaves a half-written file under the real name.
  const target = path.join(outDir, name);
  const partial = `${target}.partial`;
  try {
    await writeFile(partial, out.jpeg);
    await rename(partial, target);
  } catch (err) {
    await rm(partial, { force: true });
    return { image: file, error: `cannot write ${target}: ${(err as Error).message}` };
  }
  taken.add(name);
  return {
    image: file,
    output: name,
    width: frame.width,
    height: frame.height,
    ms: Math.round(out.detectMs + out.redactMs),
    detectMs: Math.round(out.detectMs),
    regions: out.regions.map(regionRecord),
  };
}
