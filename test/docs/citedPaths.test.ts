// Every repository path the documentation cites exists: README.md, docs/*.md, models/README.md and the systemd unit
// (whose comments are read by whoever edits it on a vehicle). A moved or deleted file shows up here, not with a reader.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(new URL('../..', import.meta.url).pathname);

/** Folders made by setup or by a run, not kept in git: cited as places, not as files of the repository. */
const MADE_AT_RUNTIME = ['demo-data/', 'demo-out/', 'eval-out/'];
const TOP = ['agent', 'tools', 'test', 'docs', 'scripts', 'systemd', 'fixtures', 'models', 'bin', 'demo-data', 'demo-out', 'eval-out'];

/** A path from the repository root: agent/core/…, docs/mqtt.md, scripts/install.sh (not /etc/…, ../shared/…). */
const ROOTED = new RegExp(`(?<![\\w/.~{}-])((?:${TOP.join('|')})/[\\w.@/-]*\\w)`, 'g');
/** A bare file name of the kinds a reader would go and open: DESIGN.md, faceWorker.ts. */
const BARE = /(?<![\w/.~{}(-])([A-Za-z][\w-]*\.(?:md|ts|mjs))\b/g;
/** A Markdown link to something that is not a web address or an anchor. */
const LINK = /\]\(([^)\s#]+)(?:#[^)]*)?\)/g;

function documents(): string[] {
  const docs = readdirSync(path.join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  const units = readdirSync(path.join(repoRoot, 'systemd')).map((f) => `systemd/${f}`);
  return ['README.md', 'models/README.md', ...docs, ...units];
}

let fileNames: Set<string> | null = null;
function repoFileNames(): Set<string> {
  if (fileNames !== null) return fileNames;
  fileNames = new Set();
  for (const top of ['agent', 'tools', 'test', 'docs', 'scripts', 'systemd', 'fixtures', 'models', 'bin', '.']) {
    const entries = top === '.' ? readdirSync(repoRoot, { withFileTypes: true }) : readdirSync(path.join(repoRoot, top), { withFileTypes: true, recursive: true });
    for (const e of entries) if (e.isFile()) fileNames.add(e.name);
  }
  return fileNames;
}

function citedPaths(doc: string, text: string): { cited: string; resolved: string | null }[] {
  const out: { cited: string; resolved: string | null }[] = [];
  for (const m of text.matchAll(LINK)) {
    const target = m[1]!;
    if (/^[a-z]+:/i.test(target)) continue;
    out.push({ cited: target, resolved: path.relative(repoRoot, path.resolve(repoRoot, path.dirname(doc), target)) });
  }
  for (const m of text.matchAll(ROOTED)) out.push({ cited: m[1]!, resolved: m[1]! });
  for (const m of text.matchAll(BARE)) out.push({ cited: m[1]!, resolved: null });
  return out;
}

describe('the documentation cites only what is in the repository', () => {
  it('finds the citations it checks', () => {
    const found = citedPaths('docs/x.md', 'see [a](mqtt.md#topics), `agent/core/geo/geo.ts`, DESIGN.md, /etc/systemd/system/x, ../shared/tools/y.py, [w](https://example.org/a.md)');
    expect(found.map((f) => [f.cited, f.resolved])).toEqual([
      ['mqtt.md', 'docs/mqtt.md'],
      ['agent/core/geo/geo.ts', 'agent/core/geo/geo.ts'],
      ['DESIGN.md', null],
    ]);
  });

  for (const doc of documents()) {
    it(doc, () => {
      const missing: string[] = [];
      for (const { cited, resolved } of citedPaths(doc, readFileSync(path.join(repoRoot, doc), 'utf8'))) {
        if (resolved === null) {
          if (!repoFileNames().has(cited)) missing.push(`${cited} (no file of that name in the repository)`);
        } else if (resolved.startsWith('..')) {
          missing.push(`${cited} (outside the repository)`);
        } else if (!MADE_AT_RUNTIME.some((p) => `${resolved}/`.startsWith(p)) && !existsSync(path.join(repoRoot, resolved))) {
          missing.push(cited);
        }
      }
      expect(missing, `${doc} cites what is not in the repository:\n${missing.join('\n')}`).toEqual([]);
    });
  }
});
