import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalBroker, type LocalBroker } from '../../tools/demo/localBroker.ts';
import { freeLoopbackPort } from '../../tools/demo/loopback.ts';
import { DEFAULT_TASK_LIMITS } from '../../agent/core/tasks/task.ts';
import { eventually, startCentral, startTaskAgent, taskTopic, type TaskAgent } from '../support/taskAgent.ts';

const minimalText = readFileSync(new URL('../../fixtures/tasks/permit-4711.json', import.meta.url), 'utf8');
const minimal = JSON.parse(minimalText) as Record<string, unknown>;
const PAYLOADS = 5_000;

/** A small seeded generator, so a failing run can be repeated (the seed is in the test name). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values wrong for every field of a task. */
const junk: unknown[] = [null, true, {}, [[]], { $: [1] }, -1e308, ''];

/** A payload that no agent may accept: random bytes, broken text, or the valid task broken in one of many ways. */
function badPayload(random: () => number): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const keys = Object.keys(minimal);
  const kind = Math.floor(random() * 8);
  switch (kind) {
    case 0:
      return randomBytes(1 + Math.floor(random() * 300));
    case 1: {
      // Valid text cut short: never closed JSON.
      return Buffer.from(minimalText.slice(0, 1 + Math.floor(random() * (minimalText.trim().length - 2))));
    }
    case 2: {
      // Bytes of the valid task flipped; a flip that leaves valid JSON lands in case-specific checks below.
      const bytes = Buffer.from(JSON.stringify({ ...minimal, [`x${Math.floor(random() * 1e6)}`]: 1 }));
      for (let i = 0; i < 1 + random() * 5; i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      return bytes;
    }
    case 3:
      return Buffer.from(JSON.stringify({ ...minimal, [pick(keys)]: pick(junk) }));
    case 4: {
      const copy: Record<string, unknown> = { ...minimal };
      delete copy[pick(['id', 'revision', 'purpose', 'area', 'validFrom', 'validUntil', 'lookFor', 'retentionDays'])];
      return Buffer.from(JSON.stringify(copy));
    }
    case 5: {
      const n = 4 + Math.floor(random() * 20);
      const ring = Array.from({ length: n }, () => [random() * 400 - 200, random() * 200 - 100]);
      ring.push([999, 999]);
      return Buffer.from(JSON.stringify({ ...minimal, area: { type: pick(['Polygon', 'MultiPolygon', 'Point']), coordinates: [ring] } }));
    }
    case 6:
      return Buffer.from(`${'['.repeat(17 + Math.floor(random() * 5000))}1`);
    default:
      return Buffer.from(pick(['NaN', 'Infinity', '-', '{"id":1e999}', '"task"', '[]', '0', 'null', '{"__proto__":{"x":1}}']));
  }
}

let broker: LocalBroker;
let agent: TaskAgent;

beforeAll(async () => {
  broker = await startLocalBroker(await freeLoopbackPort());
  // Unsigned on purpose: the fuzz is for the parser behind the signature check, which unsigned junk would not reach.
  agent = await startTaskAgent({ url: broker.url, nowMs: Date.parse('2026-12-10T12:00:00Z'), limits: DEFAULT_TASK_LIMITS });
});

afterAll(async () => {
  await agent?.stop();
  await broker?.stop();
});

describe('fuzzing the task topic through a real broker', () => {
  const seed = Number(process.env.TILSYN_FUZZ_SEED ?? 4711);

  it(`answers ${PAYLOADS} random and mutated payloads with "rejected", stays up, and keeps its memory (seed ${seed})`, async () => {
    const random = rng(seed);
    const central = await startCentral(broker.url);
    try {
      const heapMb = () => process.memoryUsage().heapUsed / 1e6;
      const batches = 5;
      const perBatch = PAYLOADS / batches;
      const heapAfterBatch: number[] = [];
      for (let b = 0; b < batches; b++) {
        const sends: Promise<unknown>[] = [];
        for (let i = 0; i < perBatch; i++) {
          sends.push(central.client.publishAsync(taskTopic('vehicle', `fuzz-${b}-${i}`), badPayload(random), { qos: 1 }));
        }
        await Promise.all(sends);
        await eventually(() => expect(central.acks.length).toBe((b + 1) * perBatch), 120_000);
        heapAfterBatch.push(heapMb());
      }
      const notRejected = central.acks.filter((a) => a.status !== 'rejected');
      expect(notRejected).toEqual([]);
      expect(central.acks.every((a) => a.errors.length > 0 && a.errors.length <= 21)).toBe(true);
      expect(agent.registry.size).toBe(0);
      // Bounded: the heap after the last batch is not far above the heap after the first (no per-message leak).
      console.info(`fuzz: heap after each batch of ${perBatch}: ${heapAfterBatch.map((h) => h.toFixed(1)).join(', ')} MB`);
      expect(heapAfterBatch.at(-1)! - heapAfterBatch[0]!).toBeLessThan(64);

      // Still alive and still taking a good task.
      await central.client.publishAsync(taskTopic('vehicle', 'permit-4711'), minimalText, { qos: 1 });
      await eventually(() => expect(central.acks.at(-1)).toMatchObject({ taskId: 'permit-4711', status: 'accepted' }));
    } finally {
      await central.client.endAsync();
    }
  }, 300_000);
});
