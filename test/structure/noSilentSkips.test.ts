// A run without the model weights or ../shared must not pass as green: no test skips itself; a missing input fails
// the test with a message naming the file and where it comes from (test/support/inputs.ts).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertInputs, MissingTestInput, modelFile, sharedFile } from '../support/inputs.ts';

const testDir = path.resolve(new URL('..', import.meta.url).pathname);
const SKIPPING = /\b(?:describe|it|test|suite)\s*\.\s*(?:skip|skipIf|runIf|todo|only)\b|\b(?:ctx|context|t)\s*\.\s*skip\s*\(/;

describe('tests never skip silently', () => {
  it('no test file skips, runs only some tests, or leaves a todo', () => {
    const self = new URL(import.meta.url).pathname;
    const found: string[] = [];
    const files = readdirSync(testDir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => path.join(e.parentPath, e.name))
      .filter((f) => f !== self);
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (SKIPPING.test(line)) found.push(`${path.relative(testDir, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found, `use describeWithInputs / assertInputs (test/support/inputs.ts) instead:\n${found.join('\n')}`).toEqual([]);
  });

  it('the pattern sees the ways a test skips', () => {
    for (const line of ['describe.skipIf(!x)(', 'it.skip(', 'test.todo(', 'ctx.skip();', 'it.runIf(a)(', 'describe.only(']) expect(SKIPPING.test(line), line).toBe(true);
    for (const line of ["expect(result.stdout).toContain('skipped')", 'const skip = 1;', 'describeWithInputs(']) expect(SKIPPING.test(line), line).toBe(false);
  });

  it('a missing input fails with its path and where it comes from', () => {
    const absent = path.join(mkdtempSync(path.join(tmpdir(), 'tilsyn-inputs-')), 'not-there.jpg');
    expect(() => assertInputs(testDir, absent)).toThrow(MissingTestInput);
    expect(() => assertInputs(absent)).toThrow(absent);
    expect(() => assertInputs(modelFile('no_such_model'))).toThrow(/no_such_model\.onnx.*setup-dev\.sh/);
    expect(() => assertInputs(sharedFile('eval', 'no-such-set'))).toThrow(/no-such-set.*shared test data/);
    expect(() => assertInputs(testDir)).not.toThrow();
  });
});
