// Inputs of the tests that are not in the repository: the model weights in models/ (./scripts/setup-dev.sh fetches
// them) and the shared test data beside the checkout in ../shared (annotated eval sets, street photos, coco.names, the
// reference scoring tool; setup-dev.sh checks it is there). A test that needs one fails with a message naming what is
// missing and where it comes from — it never skips silently, so a run without them cannot pass as green.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';

const repoRoot = path.resolve(new URL('../..', import.meta.url).pathname);

export const MODELS_DIR = path.join(repoRoot, 'models');
/** The shared test data, beside the checkout. */
export const SHARED_DIR = path.resolve(repoRoot, '../shared');

export const modelFile = (name: string): string => path.join(MODELS_DIR, name.endsWith('.onnx') ? name : `${name}.onnx`);
export const sharedFile = (...parts: string[]): string => path.join(SHARED_DIR, ...parts);

export class MissingTestInput extends Error {
  constructor(readonly missing: readonly string[]) {
    const from = (p: string) => (p.startsWith(MODELS_DIR) ? 'model weights: run ./scripts/setup-dev.sh' : `shared test data: put it at ${SHARED_DIR}`);
    super(`missing test input (this test fails rather than skip):\n${missing.map((p) => `  ${p}  (${from(p)})`).join('\n')}`);
    this.name = 'MissingTestInput';
  }
}

/** Throws MissingTestInput naming every path that is absent. */
export function assertInputs(...paths: string[]): void {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) throw new MissingTestInput(missing);
}

/** A describe whose tests need these files. While one is absent it holds a single test that fails with
 * MissingTestInput (no other test of it runs, no hook starts an agent or loads a model for nothing). */
export function describeWithInputs(name: string, paths: readonly string[], body: () => void): void {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) describe(name, body);
  else describe(name, () => it('finds its test inputs', () => {
    throw new MissingTestInput(missing);
  }));
}
