import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../agent/core/tasks/canonicalJson.ts';
import { DEFAULT_TASK_LIMITS, isActive, parseTask, type TaskLimits } from '../../../agent/core/tasks/task.ts';
import { publicKeyBase64, publicKeyFrom, signTask } from '../../../agent/core/tasks/taskSignature.ts';

const minimal = JSON.parse(readFileSync(new URL('../../../fixtures/tasks/permit-4711.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const labels = ['person', 'car', 'bus', 'truck'];
const task = (changes: Record<string, unknown>) => JSON.stringify({ ...minimal, ...changes });
const square = (lon: number, lat: number, sizeDeg: number) => [
  [lon, lat],
  [lon + sizeDeg, lat],
  [lon + sizeDeg, lat + sizeDeg],
  [lon, lat + sizeDeg],
  [lon, lat],
];
const errorsOf = (payload: string | Buffer, limits: TaskLimits = DEFAULT_TASK_LIMITS) => {
  const result = parseTask(payload, labels, limits);
  expect(result.ok).toBe(false);
  return result.ok ? '' : result.errors.map((e) => `${e.path}: ${e.message}`).join('\n');
};

describe('the optional task fields', () => {
  it('gives the minimal task the documented defaults and no optional blocks', () => {
    const result = parseTask(JSON.stringify(minimal), labels);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.task).toMatchObject({ keep: 'match', minConfidence: 0.4, priority: 5 });
    expect(result.task.capture).toBeUndefined();
    expect(result.task.schedule).toBeUndefined();
    expect(result.task.target).toBeUndefined();
  });

  it('takes a task with every optional field', () => {
    const full = task({
      capture: { everyM: 25, maxFrames: 200, maxSpeedKmh: 30 },
      schedule: { timezone: 'Europe/Copenhagen', windows: [{ days: ['mon', 'tue'], from: '07:00', until: '17:30' }] },
      keep: 'none',
      minConfidence: 0.6,
      target: { point: [12.5545, 55.6897], radiusM: 15 },
      legalBasis: 'Vejloven § 80, permit 4711',
    });
    const result = parseTask(full, labels);
    expect(result).toMatchObject({ ok: true, task: { keep: 'none', capture: { maxFrames: 200 }, target: { radiusM: 15 } } });
  });

  it('follows the weekly schedule in local time, daylight saving included', () => {
    const result = parseTask(
      task({ schedule: { timezone: 'Europe/Copenhagen', windows: [{ days: ['thu'], from: '07:00', until: '09:00' }] } }),
      labels,
    );
    if (!result.ok) throw new Error('expected ok');
    // 2026-12-10 is a Thursday; Copenhagen is UTC+1 in winter.
    expect(isActive(result.task, Date.parse('2026-12-10T06:30:00Z'))).toBe(true);
    expect(isActive(result.task, Date.parse('2026-12-10T05:59:00Z'))).toBe(false);
    expect(isActive(result.task, Date.parse('2026-12-10T08:00:00Z'))).toBe(false);
    expect(isActive(result.task, Date.parse('2026-12-11T06:30:00Z'))).toBe(false);
    const summer = parseTask(
      task({
        validFrom: '2026-06-01T00:00:00Z',
        validUntil: '2026-07-01T00:00:00Z',
        schedule: { timezone: 'Europe/Copenhagen', windows: [{ days: ['thu'], from: '07:00', until: '09:00' }] },
      }),
      labels,
    );
    if (!summer.ok) throw new Error('expected ok');
    // 2026-06-11 is a Thursday; UTC+2 in summer.
    expect(isActive(summer.task, Date.parse('2026-06-11T05:30:00Z'))).toBe(true);
    expect(isActive(summer.task, Date.parse('2026-06-11T07:30:00Z'))).toBe(false);
  });
});

describe('task validation: every bad message gets readable errors', () => {
  const bowtie = [[12.553, 55.689], [12.556, 55.6905], [12.556, 55.689], [12.553, 55.6905], [12.553, 55.689]];
  const manyVertices = Array.from({ length: 10_001 }, (_, i) => {
    const a = (2 * Math.PI * i) / 10_000;
    return [12.55 + 0.001 * Math.cos(a), 55.69 + 0.001 * Math.sin(a)];
  });
  manyVertices[10_000] = manyVertices[0]!;
  const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;

  it.each([
    ['unknown key', task({ colour: 'red' }), 'unknown key(s): colour'],
    ['unknown key in a block', task({ capture: { everyM: 5, burst: true } }), 'capture: unknown key(s): burst'],
    ['open ring', task({ area: { type: 'Polygon', coordinates: [square(12.55, 55.69, 0.001).slice(0, 4).concat([[12.5, 55.7]])] } }), 'closed'],
    ['longitude out of range', task({ area: { type: 'Polygon', coordinates: [[[181, 55], [12.6, 55.6], [12.6, 55.7], [181, 55]]] } }), 'area.coordinates.0.0.0'],
    ['self-intersecting ring', task({ area: { type: 'Polygon', coordinates: [bowtie] } }), 'area.coordinates.0: the area intersects itself'],
    ['hole crossing its outer ring', task({ area: { type: 'Polygon', coordinates: [square(12.55, 55.69, 0.002), square(12.551, 55.691, 0.002)] } }), 'rings 0 and 1'],
    ['self-intersecting part of a MultiPolygon', task({ area: { type: 'MultiPolygon', coordinates: [[square(12.55, 55.69, 0.001)], [bowtie]] } }), 'area.coordinates.1.0: the area intersects itself'],
    ['an area the size of a city', task({ area: { type: 'Polygon', coordinates: [square(12.45, 55.6, 0.1)] } }), 'area: the area covers'],
    ['a window backwards', task({ validUntil: '2026-11-01T00:00:00Z' }), 'validUntil must be after validFrom'],
    ['unknown class', task({ lookFor: ['unicorn'] }), 'known: person, car, bus, truck'],
    ['a bad keep', task({ keep: 'some' }), 'keep'],
    ['minConfidence above 1', task({ minConfidence: 1.5 }), 'minConfidence'],
    ['an unknown timezone', task({ schedule: { timezone: 'Mars/Olympus', windows: [{ days: ['mon'], from: '07:00', until: '09:00' }] } }), 'IANA timezone'],
    ['a window past midnight', task({ schedule: { timezone: 'UTC', windows: [{ days: ['mon'], from: '22:00', until: '02:00' }] } }), 'schedule.windows.0.until'],
    ['a bad weekday', task({ schedule: { timezone: 'UTC', windows: [{ days: ['monday'], from: '07:00', until: '09:00' }] } }), 'schedule.windows.0.days.0'],
    ['a target without radius', task({ target: { point: [12.55, 55.69] } }), 'target.radiusM'],
    ['a huge number', task({}).replace('"revision":1', '"revision":1e400'), 'revision'],
    ['a huge coordinate', task({}).replace('12.553', '1e999'), 'area.coordinates'],
    ['non-JSON', '{"id": "x", ', 'not JSON'],
    ['NaN', task({}).replace('"revision":1', '"revision":NaN'), 'not JSON'],
    ['JSON that is not an object', '[1,2,3]', 'expected object'],
    ['deep nesting', deep, 'nested deeper than 16 levels'],
    ['deep nesting inside a task', task({ legalBasis: JSON.parse(`${'['.repeat(20)}"x"${']'.repeat(20)}`) as unknown }), 'nested deeper'],
    ['an oversized payload', task({ purpose: 'x'.repeat(300 * 1024) }), 'at most 262144 are taken'],
  ])('rejects %s', (_name, payload, expected) => {
    expect(errorsOf(payload)).toContain(expected);
  });

  it('takes 10,000 positions and rejects 10,001', () => {
    const roomy = { ...DEFAULT_TASK_LIMITS, maxBytes: 10 * 1024 * 1024 };
    const circle = manyVertices.slice(0, 10_000);
    circle[9_999] = circle[0]!;
    expect(parseTask(task({ area: { type: 'Polygon', coordinates: [circle] } }), labels, roomy).ok).toBe(true);
    expect(errorsOf(task({ area: { type: 'Polygon', coordinates: [manyVertices] } }), roomy)).toContain(
      'the area has 10001 positions; at most 10000',
    );
  });

  it('reads brackets inside strings as text, not nesting', () => {
    expect(parseTask(task({ purpose: '[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{{{{{{{{{ "\\"[[' }), labels).ok).toBe(true);
  });

  it('takes the area and size limits from the vehicle', () => {
    const big = task({ area: { type: 'Polygon', coordinates: [square(12.5, 55.6, 0.02)] } }); // ≈ 2.8 km²
    expect(parseTask(big, labels).ok).toBe(true);
    expect(errorsOf(big, { ...DEFAULT_TASK_LIMITS, maxAreaKm2: 1 })).toMatch(/area: the area covers 2\.\d\d km²; at most 1 km²/);
    expect(errorsOf(big, { ...DEFAULT_TASK_LIMITS, maxBytes: 100 })).toContain('at most 100 are taken');
  });

  it('takes a hole that lies inside its outer ring, and a ring with a repeated position', () => {
    const withHole = task({ area: { type: 'Polygon', coordinates: [square(12.55, 55.69, 0.003), square(12.551, 55.691, 0.001)] } });
    expect(parseTask(withHole, labels).ok).toBe(true);
    const ring = square(12.55, 55.69, 0.001);
    ring.splice(1, 0, ring[1]!);
    expect(parseTask(task({ area: { type: 'Polygon', coordinates: [ring] } }), labels).ok).toBe(true);
  });

  it('keeps an ack small when a payload has thousands of errors, and does not echo a junk id', () => {
    const result = parseTask(task({ id: 'x'.repeat(5000), area: { type: 'Polygon', coordinates: [manyVertices.map(() => [999, 999])] } }), labels);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.length).toBeLessThanOrEqual(21);
    expect(result.errors.at(-1)?.message).toMatch(/and \d+ more error/);
    expect(result.taskId).toBeUndefined();
  });
});

describe('signed tasks', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const limits = { ...DEFAULT_TASK_LIMITS, publicKeys: [publicKeyFrom(publicKeyBase64(publicKey))] };

  it('defines the canonical form: sorted keys at every level, no whitespace, JSON numbers and escapes', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: 'é\n' }], a: 1e21, c: 0.1, d: null })).toBe('{"a":1e+21,"b":[3,{"a":"é\\n","z":1}],"c":0.1,"d":null}');
  });

  it('takes a good signature whatever the key order and whitespace of the message', () => {
    const signed = signTask(minimal, privatePem);
    const reordered = Object.fromEntries(Object.entries(signed).reverse());
    expect(parseTask(JSON.stringify(reordered, null, 2), labels, limits).ok).toBe(true);
  });

  it.each([
    ['missing', () => JSON.stringify(minimal), 'not signed'],
    ['from an untrusted key', () => JSON.stringify(signTask(minimal, other.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString())), 'does not verify'],
    ['over other content', () => JSON.stringify({ ...signTask(minimal, privatePem), purpose: 'something else' }), 'does not verify'],
    ['malformed', () => JSON.stringify({ ...minimal, signature: 'abc' }), '64-byte Ed25519 signature'],
  ])('rejects a signature that is %s', (_name, payload, expected) => {
    const errors = errorsOf(payload(), limits);
    expect(errors).toMatch(/^signature: /);
    expect(errors).toContain(expected);
  });

  it('reads a PEM public key as well as the raw base64 form', () => {
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(publicKeyFrom(pem).equals(publicKey)).toBe(true);
    expect(() => publicKeyFrom('AAAA')).toThrow(/32 bytes/);
  });
});
