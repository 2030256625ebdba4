// `npm run schemas`: writes the JSON Schema of every MQTT message and of the configuration to docs/schemas/.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { configSchema } from '../../agent/config/schema.ts';
import { ackSchema, observationSchema, statusSchema } from '../../agent/core/tasks/messages.ts';
import { manifestSchema } from '../../agent/core/tasks/manifest.ts';
import { taskSchema, withdrawalSchema } from '../../agent/core/tasks/task.ts';

const repoRoot = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

const schemas: Record<string, z.ZodType> = { task: taskSchema, withdrawal: withdrawalSchema, ack: ackSchema, status: statusSchema, observation: observationSchema, manifest: manifestSchema, config: configSchema };

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

export function writeSchemas(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(jsonSchemas()).map(([file, text]) => {
    writeFileSync(path.join(dir, file), text);
    return path.join(dir, file);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = new URL('../../docs/schemas', import.meta.url).pathname;
  for (const file of writeSchemas(dir)) process.stdout.write(`wrote ${file}\n`);
}
