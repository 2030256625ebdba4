// Benchmark of the trigger at fleet scale: 100,000 task areas spread over a city, the time to build the spatial
// index, the memory it takes, and how long one GPS fix takes to match (p50/p99/max), the whole trigger decision.
// Run with `npm run bench:trigger` (node --expose-gc, so the memory figures are measured after a collection).
import { AreaIndex } from '../../agent/core/geo/areaIndex.ts';
import type { Area } from '../../agent/core/geo/geo.ts';
import type { Task } from '../../agent/core/tasks/task.ts';
import { Trigger } from '../../agent/core/trigger/trigger.ts';
import { moveAlong } from '../../agent/core/trigger/view.ts';
import type { Fix } from '../../agent/ports/gps.ts';

const AREAS = Number(process.env.BENCH_TRIGGER_AREAS ?? 100_000);
const FIXES = Number(process.env.BENCH_TRIGGER_FIXES ?? 20_000);
/** A 30 × 30 km square around Copenhagen (about a large city; BENCH_TRIGGER_CITY_M for a denser one). */
const CITY = { lon: 12.42, lat: 55.6, sizeM: Number(process.env.BENCH_TRIGGER_CITY_M ?? 30_000) };
const MiB = 1024 ** 2;

/** Deterministic pseudo-random numbers (mulberry32), so every run measures the same city. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An irregular polygon of 6–16 corners, 20–250 m across — a block, a street stretch, a square. */
function areaAround(centre: { lon: number; lat: number }, rnd: () => number): Area {
  const corners = 6 + Math.floor(rnd() * 11);
  const radiusM = 10 + rnd() * 115;
  const ring: number[][] = [];
  for (let i = 0; i < corners; i++) {
    const p = moveAlong(centre, (360 * i) / corners, radiusM * (0.6 + 0.4 * rnd()));
    ring.push([p.lon, p.lat]);
  }
  ring.push([...ring[0]!]);
  return { type: 'Polygon', coordinates: [ring] };
}

function cityPoint(rnd: () => number): { lon: number; lat: number } {
  return moveAlong(moveAlong(CITY, 90, rnd() * CITY.sizeM), 0, rnd() * CITY.sizeM);
}

function task(id: number, area: Area, rnd: () => number): Task {
  const validFromMs = Date.parse('2026-01-01T00:00:00Z');
  const validUntilMs = Date.parse('2027-01-01T00:00:00Z');
  return {
    id: `t${id}`, revision: 1, purpose: 'bench', area, lookFor: ['car'], retentionDays: 30, priority: 5, keep: 'match', minConfidence: 0.4,
    validFrom: new Date(validFromMs).toISOString(), validUntil: new Date(validUntilMs).toISOString(), validFromMs, validUntilMs,
    // One task in ten has a weekly schedule (its check formats the local time), one in twenty a point target.
    ...(rnd() < 0.1 ? { schedule: { timezone: 'Europe/Copenhagen', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '06:00', until: '18:00' }] } } : {}),
    ...(rnd() < 0.05 ? { target: { point: area.coordinates[0]![0] as [number, number], radiusM: 30 } } : {}),
  } as Task;
}

function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / MiB;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

export function benchTrigger(print: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): void {
  const rnd = random(20261201);
  const baseMiB = heapMiB();
  const tasks: Task[] = [];
  for (let i = 0; i < AREAS; i++) tasks.push(task(i, areaAround(cityPoint(rnd), rnd), rnd));
  const tasksMiB = heapMiB() - baseMiB;

  const trigger = new Trigger({ everyM: 10, enterFixes: 2, maxErrorM: 30, maxFixAgeMs: 2_000 });
  const buildStart = performance.now();
  trigger.setTasks(tasks);
  const buildMs = performance.now() - buildStart;
  const indexMiB = heapMiB() - baseMiB - tasksMiB;

  // Half the fixes inside some area (next to a random area's first corner, pulled towards its centre), half anywhere.
  const fixes: Fix[] = [];
  let timeMs = Date.parse('2026-12-08T09:00:00Z');
  for (let i = 0; i < FIXES; i++) {
    let position = cityPoint(rnd);
    if (i % 2 === 0) {
      const ring = tasks[Math.floor(rnd() * tasks.length)]!.area.coordinates[0] as number[][];
      const corners = ring.slice(0, -1);
      position = {
        lon: corners.reduce((sum, c) => sum + c[0]!, 0) / corners.length,
        lat: corners.reduce((sum, c) => sum + c[1]!, 0) / corners.length,
      };
    }
    timeMs += 1_000;
    fixes.push({ ...position, timeMs, mode: 3, speedMps: 8, trackDeg: rnd() * 360, horizontalErrorM: 4 });
  }
  // Warm up the JIT on other fixes, then measure each decision on its own.
  const warm = new Trigger({ everyM: 10, enterFixes: 2, maxErrorM: 30, maxFixAgeMs: 2_000 });
  warm.setTasks(tasks);
  for (let i = 0; i < 2_000; i++) warm.onFix({ ...fixes[i]! }, fixes[i]!.timeMs);
  const times: number[] = [];
  let matched = 0;
  let candidates = 0;
  const index = new AreaIndex(tasks.map((t) => ({ item: t, area: t.area })));
  for (const fix of fixes) {
    const t = performance.now();
    const decision = trigger.onFix(fix, fix.timeMs);
    times.push(performance.now() - t);
    if (decision.fire.length + decision.skipped.size > 0) matched += 1;
    candidates += index.near(fix, 0).length;
  }
  times.sort((a, b) => a - b);
  const figures = {
    areas: AREAS,
    fixes: FIXES,
    fixesInsideAnArea: matched,
    candidatesPerFix: Math.round((candidates / FIXES) * 10) / 10,
    buildMs: Math.round(buildMs),
    tasksMiB: Math.round(tasksMiB),
    indexMiB: Math.round(indexMiB * 10) / 10,
    p50Ms: Math.round(percentile(times, 0.5) * 1000) / 1000,
    p99Ms: Math.round(percentile(times, 0.99) * 1000) / 1000,
    maxMs: Math.round(times[times.length - 1]! * 1000) / 1000,
  };
  if (process.argv.includes('--json')) {
    print(JSON.stringify(figures));
    return;
  }
  print(`trigger at fleet scale: ${figures.areas.toLocaleString('en')} task areas (6–16 corners, 20–250 m) over ${CITY.sizeM / 1000} × ${CITY.sizeM / 1000} km`);
  print(`  index build (flatbush over bounding boxes)   ${figures.buildMs} ms`);
  print(`  memory: the tasks themselves                 ${figures.tasksMiB} MiB`);
  print(`  memory: the index                            ${figures.indexMiB} MiB`);
  print(`  fixes matched                                ${figures.fixes.toLocaleString('en')} (${figures.fixesInsideAnArea} inside an area; ${figures.candidatesPerFix} bounding boxes hit per fix)`);
  print(`  one fix, whole trigger decision              p50 ${figures.p50Ms} ms · p99 ${figures.p99Ms} ms · max ${figures.maxMs} ms`);
  print(`  target p99 ≤ 1 ms                            ${figures.p99Ms <= 1 ? 'met' : 'NOT met'}`);
}

if (import.meta.url === `file://${process.argv[1]}`) benchTrigger();
