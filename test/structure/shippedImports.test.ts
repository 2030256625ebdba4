// What install.sh ships to a vehicle (agent/, bin/, scripts/) runs there on its own: nothing it loads lives in the lab
// (tools/), the tests or the fixtures, and every package it loads is a runtime dependency (install runs npm ci --omit=dev).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(new URL('../..', import.meta.url).pathname);
const SHIPPED_CODE = ['agent', 'bin', 'scripts'];
/** What install.sh copies to /opt/tilsyn-agent; a shipped file may load only from these. */
const SHIPPED_PARTS = ['agent', 'bin', 'scripts', 'systemd', 'models', 'package.json', 'package-lock.json', 'tsconfig.json'];
const runtimePackages = new Set(Object.keys((JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies));

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(repoRoot, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|mjs|js)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

interface Reference {
  readonly specifier: string;
  readonly line: number;
}

/** What a file loads when it runs: static imports and re-exports (not type-only ones, which are erased), import(),
 * and new URL('…', import.meta.url) (worker entries, the model manifest). */
function runtimeReferences(file: string, text: string): Reference[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: Reference[] = [];
  const add = (node: ts.Node, literal: ts.Expression | undefined) => {
    if (literal !== undefined && ts.isStringLiteralLike(literal)) {
      found.push({ specifier: literal.text, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && node.importClause?.isTypeOnly !== true) add(node, node.moduleSpecifier);
    else if (ts.isExportDeclaration(node) && !node.isTypeOnly) add(node, node.moduleSpecifier);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node, node.arguments[0]);
    else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL' && node.arguments?.[1]?.getText(source) === 'import.meta.url') {
      add(node, node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

describe('the shipped agent apart from the lab', () => {
  const files = SHIPPED_CODE.flatMap(sourceFiles);

  it('finds the shipped code and what it loads', () => {
    // The reader must see the graph, or the checks below pass vacuously.
    expect(files).toContain(path.join(repoRoot, 'agent/main.ts'));
    const refs = runtimeReferences('x.ts', "import a from './a.ts';\nimport type { B } from '../b.ts';\nexport { c } from 'c';\nconst d = await import('../../tools/d.ts');\nnew URL('./w.ts', import.meta.url);\n");
    expect(refs.map((r) => r.specifier)).toEqual(['./a.ts', 'c', '../../tools/d.ts', './w.ts']);
  });

  it('loads nothing from tools/, test/ or fixtures/, and only runtime dependencies', () => {
    const problems: string[] = [];
    let relative = 0;
    for (const file of files) {
      const where = path.relative(repoRoot, file);
      for (const { specifier, line } of runtimeReferences(file, readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('.') || specifier.startsWith('/')) {
          relative++;
          const target = path.relative(repoRoot, path.resolve(path.dirname(file), specifier));
          const top = target.split(path.sep)[0] ?? '';
          if (!SHIPPED_PARTS.includes(top)) problems.push(`${where}:${line} loads ${specifier} (${target}), which is not shipped to vehicles`);
        } else if (specifier.startsWith('node:') || builtinModules.includes(specifier)) {
          continue;
        } else if (!runtimePackages.has(packageOf(specifier))) {
          problems.push(`${where}:${line} loads the package ${specifier}, which is not in package.json "dependencies" (vehicles install those only)`);
        }
      }
    }
    expect(relative).toBeGreaterThan(100);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('core/ is pure logic: it loads only core/, packages and node:crypto, no I/O', () => {
    const problems: string[] = [];
    for (const file of sourceFiles('agent/core')) {
      const where = path.relative(repoRoot, file);
      for (const { specifier, line } of runtimeReferences(file, readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('.')) {
          const target = path.relative(repoRoot, path.resolve(path.dirname(file), specifier));
          if (!target.startsWith(`agent${path.sep}core${path.sep}`)) problems.push(`${where}:${line} loads ${target}, outside core/`);
        } else if ((specifier.startsWith('node:') || builtinModules.includes(specifier)) && specifier !== 'node:crypto') {
          problems.push(`${where}:${line} loads ${specifier}: core/ does no I/O`);
        }
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('each lab tool has one way to launch it, its npm script, and the agent no longer carries it', () => {
    const scripts = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['demo', 'eval', 'bench', 'bench:queue', 'bench:trigger', 'bench:models', 'schemas']) {
      const entry = /\S+\.ts\b/.exec(scripts[name] ?? '')?.[0];
      expect(entry, `npm run ${name}`).toMatch(/^tools\//);
      expect(existsSync(path.join(repoRoot, entry!)), entry).toBe(true);
    }
    const main = readFileSync(path.join(repoRoot, 'agent/main.ts'), 'utf8');
    const commands = [...main.matchAll(/\.command\('([\w-]+)/g)].map((m) => m[1]);
    expect(commands).toEqual(expect.arrayContaining(['run', 'doctor', 'queue', 'audit', 'redact', 'sign-task']));
    for (const lab of ['demo', 'eval', 'bench', 'schemas']) expect(commands).not.toContain(lab);
  });
});
