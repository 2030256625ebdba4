// `npm run bench:areas`: how long the area checks take on the worst shape for them — a valid 10,000-vertex zigzag
// whose edge boxes all overlap — alone and as part of parsing a whole task. Prints the first (cold) run, the median
// and the slowest of the rest; the budget is 100 ms per check.
import { findRingProblems, areaKm2, MAX_AREA_VERTICES } from '../../agent/core/geo/areaChecks.ts';
import { parseTask } from '../../agent/core/tasks/task.ts';
import { zigzagRing } from './zigzag.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const BUDGET_MS = 100;

function time(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

function figures(name: string, run: () => unknown): { name: string; coldMs: number; medianMs: number; maxMs: number } {
  const coldMs = time(run);
  const rest = Array.from({ length: RUNS }, () => time(run)).sort((a, b) => a - b);
  return { name, coldMs, medianMs: rest[Math.floor(rest.length / 2)]!, maxMs: rest.at(-1)! };
}

const ring = zigzagRing(MAX_AREA_VERTICES);
const polygons = [[ring]];
if (findRingProblems(polygons).length > 0) throw new Error('the zigzag should be a valid polygon');
const nowMs = Date.now();
const task = JSON.stringify({
  id: 'zigzag',
  revision: 1,
  purpose: 'bench',
  area: { type: 'Polygon', coordinates: [ring] },
  validFrom: new Date(nowMs).toISOString(),
  validUntil: new Date(nowMs + 3_600_000).toISOString(),
  lookFor: ['car'],
  retentionDays: 1,
});

const rows = [
  figures(`ring checks, ${ring.length} vertices`, () => findRingProblems(polygons)),
  figures('area on the earth', () => areaKm2(polygons)),
  figures(`whole task parse (${Math.round(task.length / 1024)} KiB)`, () => {
    const parsed = parseTask(task, ['car'], { maxBytes: 1024 * 1024, maxAreaKm2: 5, publicKeys: [] });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  }),
];
const width = Math.max(...rows.map((r) => r.name.length));
process.stdout.write(`${'check'.padEnd(width)}  cold ms  median ms  max ms   (${RUNS} runs after the cold one)\n`);
for (const r of rows) {
  process.stdout.write(`${r.name.padEnd(width)}  ${r.coldMs.toFixed(1).padStart(7)}  ${r.medianMs.toFixed(1).padStart(9)}  ${r.maxMs.toFixed(1).padStart(6)}\n`);
}
const over = rows[0]!.medianMs > BUDGET_MS;
process.stdout.write(over ? `over budget: ring checks median above ${BUDGET_MS} ms\n` : `within budget (${BUDGET_MS} ms)\n`);
