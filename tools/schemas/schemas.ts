// `npm run schemas`: writes the JSON Schema of every MQTT message and of the configuration to docs/schemas/, and the
// configuration reference docs/configuration.md; tests fail when the committed files differ from what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { configSchema } from '../../agent/config/schema.ts';
import { redactionSettingsSchema } from '../../agent/core/redaction/redactionSettings.ts';
import { ackSchema, observationSchema, statusSchema } from '../../agent/core/tasks/messages.ts';
import { manifestSchema } from '../../agent/core/tasks/manifest.ts';
import { taskSchema, withdrawalSchema } from '../../agent/core/tasks/task.ts';
import { configurationDoc } from './configurationDoc.ts';

const repoRoot = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

const schemas: Record<string, z.ZodType> = { task: taskSchema, withdrawal: withdrawalSchema, ack: ackSchema, status: statusSchema, observation: observationSchema, manifest: manifestSchema, config: configSchema, 'redaction-settings': redactionSettingsSchema };

/** The JSON Schema documents, by file name: what a message must look like on the wire (defaults may be left out). */
export function jsonSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const doc = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    const withId = { $id: `https://tilsyn.example/schemas/${name}.json`, ...doc };
    // Defaults that point into this checkout (models.dir) are written relative to the repository.
    out[`${name}.json`] = `${JSON.stringify(withId, null, 2).replaceAll(repoRoot, '<repo>')}\n`;
  }
  return out;
}

/** Every generated document, by path in the repository. */
export function generatedDocs(): Record<string, string> {
  const json = jsonSchemas();
  const out: Record<string, string> = {};
  for (const [file, text] of Object.entries(json)) out[`docs/schemas/${file}`] = text;
  out['docs/configuration.md'] = configurationDoc(JSON.parse(json['config.json']!) as Parameters<typeof configurationDoc>[0]);
  return out;
}

export function writeDocs(root: string): string[] {
  return Object.entries(generatedDocs()).map(([file, text]) => {
    const target = path.join(root, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
    return target;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of writeDocs(repoRoot)) process.stdout.write(`wrote ${path.relative(repoRoot, file)}\n`);
}
