// The README stays a README: short, with the quick start that CI runs; reference material lives in docs/.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README.md', () => {
  it('is at most 12,000 characters', () => {
    expect([...readme].length).toBeLessThanOrEqual(12_000);
  });

  it('has the two quick-start lines: set up and run the demo, run the tests', () => {
    expect(readme).toContain('```sh\n./scripts/setup-dev.sh && npm run demo\nnpm test\n```');
    const scripts = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.demo).toBeDefined();
    expect(scripts.test).toBe('vitest run');
  });
});
