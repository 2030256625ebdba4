// docs/configuration.md is the configuration reference: generated from the zod schema, and kept so.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyEnvOverrides, loadConfig } from '../../agent/config/load.ts';
import { generatedDocs } from '../../tools/schemas/schemas.ts';

const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
const rows = [...doc.matchAll(/^\| `([^`]+)` \| .* \| `(TILSYN_[A-Z0-9_]+)` \| /gm)].map((m) => ({ key: m[1]!, env: m[2]! }));

function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix === '' ? k : `${prefix}.${k}`));
}

describe('docs/configuration.md', () => {
  it('is what npm run schemas writes from agent/config/schema.ts', () => {
    expect(doc, 'docs/configuration.md is stale: run npm run schemas').toBe(generatedDocs()['docs/configuration.md']);
  });

  it('lists every key a loaded configuration has, defaults included', () => {
    const config = loadConfig(new URL('../../fixtures/config/valid.yaml', import.meta.url).pathname, {});
    const documented = new Set(rows.map((r) => r.key));
    expect(documented.size).toBeGreaterThan(40);
    const missing = leafPaths(config).filter((k) => !documented.has(k));
    expect(missing, `keys of the configuration missing from docs/configuration.md: ${missing.join(', ')}`).toEqual([]);
  });

  it("names each key's environment variable as the loader reads it", () => {
    for (const { key, env } of rows) {
      const applied = applyEnvOverrides({}, { [env]: 'x' });
      expect(leafPaths(applied), env).toEqual([key]);
    }
  });
});
