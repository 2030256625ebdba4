import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonSchemas } from '../../tools/schemas/schemas.ts';
import { ackSchema, observationSchema, statusSchema } from '../../agent/core/tasks/messages.ts';
import { manifestSchema } from '../../agent/core/tasks/manifest.ts';
import { DEFAULT_TASK_LIMITS, parseTask, parseTaskMessage } from '../../agent/core/tasks/task.ts';
import { publicKeyFrom } from '../../agent/core/tasks/taskSignature.ts';
import { COCO_LABELS } from '../../agent/core/detection/cocoLabels.ts';

const docs = readFileSync(new URL('../../docs/mqtt.md', import.meta.url), 'utf8');
const examples = [...docs.matchAll(/```json (task|withdrawal|ack|status|observation|manifest)\n([\s\S]*?)```/g)].map((m) => ({ kind: m[1]!, text: m[2]! }));

describe('docs/mqtt.md matches what the agent does', () => {
  it('has examples of every message', () => {
    expect(new Set(examples.map((e) => e.kind))).toEqual(new Set(['task', 'withdrawal', 'ack', 'status', 'observation', 'manifest']));
  });

  it.each(examples.map((e, i) => [i, e.kind, e.text] as const))('example %i (%s) is valid', (_i, kind, text) => {
    if (kind === 'task') {
      const result = parseTask(text, COCO_LABELS, DEFAULT_TASK_LIMITS);
      expect(result.ok ? [] : result.errors).toEqual([]);
      if (text.includes('"signature"')) {
        const keys = [...docs.matchAll(/public half (?:is )?`([^`]+)`/g)].map((m) => publicKeyFrom(m[1]!));
        expect(parseTask(text, COCO_LABELS, { ...DEFAULT_TASK_LIMITS, publicKeys: keys }).ok).toBe(true);
      }
    } else if (kind === 'withdrawal') {
      const keys = [...docs.matchAll(/public half (?:is )?`([^`]+)`/g)].map((m) => publicKeyFrom(m[1]!));
      const result = parseTaskMessage(text, COCO_LABELS, { ...DEFAULT_TASK_LIMITS, publicKeys: keys });
      expect(result.ok && result.kind).toBe('withdrawal');
    } else {
      const schema = kind === 'ack' ? ackSchema : kind === 'observation' ? observationSchema : kind === 'manifest' ? manifestSchema : statusSchema;
      const result = schema.safeParse(JSON.parse(text));
      expect(result.success ? [] : result.error.issues).toEqual([]);
    }
  });

  it('ships docs/schemas/*.json as `npm run schemas` makes them', () => {
    for (const [file, text] of Object.entries(jsonSchemas())) {
      const committed = readFileSync(new URL(`../../docs/schemas/${file}`, import.meta.url), 'utf8');
      expect(committed, `docs/schemas/${file} is stale: run npm run schemas`).toBe(text);
    }
  });
});
