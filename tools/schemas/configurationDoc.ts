// docs/configuration.md, written from the configuration's JSON Schema (itself from the zod schema in
// agent/config/schema.ts): every key with its type, default, environment variable and description.
type JsonSchema = {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  format?: string;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
};

interface Row {
  readonly key: string;
  readonly type: string;
  readonly value: string;
  readonly description: string;
}

const INTRO = `# Configuration

<!-- Generated from agent/config/schema.ts by \`npm run schemas\`; do not edit here (a test fails when it is stale). -->

The agent reads one YAML file (\`tilsyn run --config FILE\`; the installer writes \`/etc/tilsyn/agent.yaml\` from the
commented template \`scripts/templates/agent.yaml\`; a full example is \`fixtures/config/valid.yaml\`). Environment
variables override it: \`TILSYN_\` and the key path in upper snake case, \`__\` between levels
(\`TILSYN_MQTT__URL=mqtts://…\`, \`TILSYN_CAMERA__GRAB_TIMEOUT_MS=5000\`). Unknown keys are refused; every error is
reported at once with its key path, and \`tilsyn run --config FILE --validate-config\` checks a file without starting.

A key marked *required* has no default. Where a part has several kinds (\`gps.source\`, \`camera.source\`), a key that
belongs to some kinds only says which.
`;

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const code = (value: unknown): string => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

function envName(key: string): string {
  const snake = (part: string) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  return `TILSYN_${key.split('.').map(snake).join('__')}`;
}

function range(s: JsonSchema): string {
  // z.int() bounds every integer by the safe range: not worth a mention.
  const min = s.minimum === Number.MIN_SAFE_INTEGER ? undefined : s.minimum;
  const max = s.maximum === Number.MAX_SAFE_INTEGER ? undefined : s.maximum;
  if (min !== undefined && max !== undefined) return ` ${min} … ${max}`;
  const low = min !== undefined ? `≥ ${min}` : s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : undefined;
  const high = max !== undefined ? `≤ ${max}` : s.exclusiveMaximum !== undefined ? `< ${s.exclusiveMaximum}` : undefined;
  return [low, high].filter((x) => x !== undefined).map((x) => ` ${x}`).join(',');
}

function typeOf(s: JsonSchema): string {
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives !== undefined && alternatives.every((a) => a.const !== undefined)) return alternatives.map((a) => code(a.const)).join(' \\| ');
  if (s.const !== undefined) return code(s.const);
  if (s.enum !== undefined) return s.enum.map(code).join(' \\| ');
  if (s.type === 'array') return `list of ${s.items === undefined ? 'values' : typeOf(s.items)}`;
  if (s.format === 'uri') return 'URL';
  if (s.type === 'integer' || s.type === 'number') return `${s.type}${range(s)}`;
  return s.type ?? 'any';
}

function valueOf(s: JsonSchema, required: boolean): string {
  if (s.default !== undefined) return code(s.default);
  return required ? '*required*' : 'unset';
}

function isObject(s: JsonSchema): boolean {
  return s.type === 'object' && s.properties !== undefined;
}

function objectRows(prefix: string, s: JsonSchema, only = ''): Row[] {
  const rows: Row[] = [];
  for (const [name, child] of Object.entries(s.properties ?? {})) {
    const key = prefix === '' ? name : `${prefix}.${name}`;
    rows.push(...keyRows(key, child, s.required?.includes(name) ?? false, only));
  }
  return rows;
}

function keyRows(key: string, s: JsonSchema, required: boolean, only = ''): Row[] {
  const variants = (s.oneOf ?? s.anyOf)?.filter(isObject);
  if (variants !== undefined && variants.length > 0) return unionRows(key, s, variants);
  if (isObject(s)) return objectRows(key, s, only);
  return [{ key, type: typeOf(s), value: valueOf(s, required), description: `${s.description ?? ''}${only}` }];
}

/** A part with several kinds told apart by one constant key (gps.source, camera.source). */
function unionRows(key: string, s: JsonSchema, variants: JsonSchema[]): Row[] {
  const tag = Object.keys(variants[0]!.properties!).find((k) => variants.every((v) => v.properties?.[k]?.const !== undefined));
  if (tag === undefined) throw new Error(`${key}: a union without a constant key to tell its kinds apart`);
  const kindOf = (v: JsonSchema) => String(v.properties![tag]!.const);
  const kinds = variants.map((v) => `${code(kindOf(v))}${v.description !== undefined ? ` (${v.description})` : ''}`);
  const rows: Row[] = [{ key: `${key}.${tag}`, type: variants.map((v) => code(kindOf(v))).join(' \\| '), value: '*required*', description: `${s.description ?? ''}: ${kinds.join(', ')}` }];
  const names = [...new Set(variants.flatMap((v) => Object.keys(v.properties!)))].filter((n) => n !== tag);
  for (const name of names) {
    const having = variants.filter((v) => v.properties![name] !== undefined);
    const first = having[0]!;
    const only = having.length === variants.length ? '' : ` (${tag} ${having.map((v) => code(kindOf(v))).join(', ')} only)`;
    rows.push(...keyRows(`${key}.${name}`, first.properties![name]!, first.required?.includes(name) ?? false, only));
  }
  return rows;
}

function table(rows: Row[]): string {
  const lines = ['| key | type | default | environment | description |', '|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| \`${r.key}\` | ${r.type} | ${cell(r.value)} | \`${envName(r.key)}\` | ${cell(r.description)} |`);
  return `${lines.join('\n')}\n`;
}

/** The Markdown page for the configuration's JSON Schema (an object whose top-level parts become sections). */
export function configurationDoc(schema: JsonSchema): string {
  const sections: string[] = [INTRO];
  const topLevel: Row[] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const required = schema.required?.includes(name) ?? false;
    const isPart = isObject(child) || (child.oneOf ?? child.anyOf)?.some(isObject) === true;
    if (!isPart) {
      topLevel.push(...keyRows(name, child, required));
      continue;
    }
    sections.push(`## \`${name}\`${required ? ' (required)' : ''}\n\n${child.description ?? ''}\n\n${table(keyRows(name, child, required))}`);
  }
  sections.splice(1, 0, `## Top level\n\n${table(topLevel)}`);
  return sections.join('\n');
}
