// The drive report in a real headless Chromium: the page renders without a console or page error and asks the
// network for nothing, the map has one point per trigger in the agent's log (coloured by its fate), every thumbnail
// of the uploaded evidence loads, and the blurred regions are outlined on it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackToNmea } from '../../agent/core/gps/nmea.ts';
import { writeReport } from '../../tools/report/writeReport.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

interface DemoTask {
  id: string;
  purpose: string;
  lookFor: string[];
  area: { type: 'Polygon'; coordinates: number[][][] };
}

const tasks = JSON.parse(readFileSync(path.join(repoRoot, 'fixtures/demo/tasks.json'), 'utf8')) as DemoTask[];

/** A log as the agent writes it: decision lines with the fix that fired them, and lines of other kinds between. */
function agentLog(t0: number): string {
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  const lines: object[] = [
    { level: 30, msg: 'agent started' },
    { level: 30, decision: 'keep', evidenceId: 'ev-inside', taskId: 'permit-4711', lat: 55.6897, lon: 12.5545, fixAt: at(10), msg: 'evidence queued' },
    { level: 30, decision: 'not_found', taskId: 'permit-4711', msg: 'no target in frame' },
    { level: 30, decision: 'drop', reason: 'no-target', taskIds: ['permit-4711'], lat: 55.6899, lon: 12.5542, fixAt: at(11), msg: 'frame dropped' },
    { level: 30, decision: 'skip', reason: 'busy', taskIds: ['permit-4711'], lat: 55.6900, lon: 12.5540, fixAt: at(12), msg: 'trigger skipped: previous frame busy' },
    { level: 40, decision: 'no-frame', taskIds: ['parking-nbg-north'], lat: 55.6925, lon: 12.5490, fixAt: at(40), err: 'timeout', msg: 'camera gave no frame' },
    { level: 50, decision: 'drop', reason: 'redaction-failed', taskIds: ['parking-nbg-north'], lat: 55.6930, lon: 12.5485, fixAt: at(42), msg: 'frame dropped' },
    { level: 30, decision: 'keep', evidenceId: 'ev-outside', taskId: 'parking-nbg-north', lat: 55.6951, lon: 12.5462, fixAt: at(44), msg: 'evidence queued' },
  ];
  return `${lines.map((l) => JSON.stringify(l)).join('\n')}\nnot json at all\n`;
}

/** A redacted-looking JPEG (flat colours, no person in it) and its metadata with blurred regions. */
async function evidenceItem(dir: string, id: string, taskId: string, lat: number, lon: number): Promise<number> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="720"><rect width="1280" height="720" fill="#6d8fa8"/><rect y="420" width="1280" height="300" fill="#55585c"/><rect x="300" y="380" width="360" height="160" rx="30" fill="#b03a2e"/><rect x="420" y="470" width="120" height="34" fill="#d8d8d8"/></svg>`;
  writeFileSync(path.join(dir, `${id}.jpg`), await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer());
  const regions = [
    { kind: 'plate', x1: 415, y1: 465, x2: 545, y2: 510 },
    { kind: 'face', x1: 900, y1: 300, x2: 960, y2: 370 },
    { kind: 'cabin-zone', x1: 330, y1: 390, x2: 630, y2: 440 },
  ];
  const meta = { id, taskId, capturedAt: '2026-12-01T10:00:00.000Z', lat, lon, found: [{ label: 'car', score: 0.87, count: 1 }], faces: 1, plates: 1, redactedRegions: regions.length, regions };
  writeFileSync(path.join(dir, `${id}.json`), JSON.stringify(meta));
  return regions.length;
}

describe('drive report in headless Chromium', () => {
  let work: string;
  let browser: Browser;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tilsyn-report-'));
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('renders without errors, one point per trigger by fate, every thumbnail loaded with its regions outlined', async () => {
    const t0 = Date.now();
    const logFile = path.join(work, 'agent.log');
    writeFileSync(logFile, agentLog(t0));
    const route = JSON.parse(readFileSync(path.join(repoRoot, 'fixtures/demo/route.geojson'), 'utf8')) as { geometry: { coordinates: [number, number][] } };
    const nmeaFile = path.join(work, 'drive.nmea');
    writeFileSync(nmeaFile, trackToNmea(route.geometry.coordinates, 36, t0).text);
    const evidenceDir = path.join(work, 'ingest');
    mkdirSync(evidenceDir);
    const regions =
      (await evidenceItem(evidenceDir, 'ev-inside', 'permit-4711', 55.6897, 12.5545)) +
      // Far outside the parking area: the report must show it as kept outside its area.
      (await evidenceItem(evidenceDir, 'ev-outside', 'parking-nbg-north', 55.6951, 12.5462));
    writeFileSync(path.join(evidenceDir, 'junk.json'), '{"not":"evidence"}');

    const outFile = path.join(work, 'report.html');
    const written = await writeReport(
      {
        vehicleId: 'demo-sweeper-07',
        fleetId: 'kbh-demo',
        logFile,
        evidenceDir,
        nmeaFile,
        tasks,
        routing: { 'permit-4711': { outcomes: { found: 1, not_found: 1, uncertain: 0 }, models: { yolox_nano_416_coco: { asked: 2, found: 1, notFound: 1, unsure: 0, escalated: 0, ms: 160 } } } },
        summary: [['GPS fixes', 156], ['triggers (inside an active task area)', 5]],
      },
      outFile,
    );
    const expectedTriggers = new Set(readFileSync(logFile, 'utf8').split('\n').flatMap((l) => (l.includes('"fixAt"') ? [JSON.parse(l).fixAt as string] : []))).size;
    expect(written.triggers).toBe(expectedTriggers);

    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${(err as Error).message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url().slice(0, 80)}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('data:') && !r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`);
    });
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`file://${outFile}`, { waitUntil: 'load' });
    const seen = await page.evaluate(() => ({
      points: [...document.querySelectorAll('svg.drive-map circle.trigger')].map((c) => c.getAttribute('data-fate')),
      areas: [...document.querySelectorAll('svg.drive-map g.task-area')].map((g) => g.getAttribute('data-task')),
      images: [...document.querySelectorAll('img')].map((i) => ({ complete: i.complete, width: i.naturalWidth, src: i.src.slice(0, 22) })),
      outlines: document.querySelectorAll('figure.evidence svg rect').length,
      track: document.querySelectorAll('svg.drive-map polyline.track').length,
      taskRows: document.querySelectorAll('table.tasks tbody tr').length,
    }));
    const shot = process.env['TILSYN_REPORT_SCREENSHOT'] ?? path.join(work, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(problems).toEqual([]);
    expect(seen.points).toHaveLength(expectedTriggers);
    expect(seen.points).toEqual(['kept', 'no-target', 'skipped', 'skipped', 'failed', 'outside']);
    // The task off the drive (worksite-amager) is named below the map, not drawn.
    expect(seen.areas).toEqual(['permit-4711', 'parking-nbg-north', 'signals-nbg-station']);
    expect(seen.track).toBe(1);
    expect(seen.images).toHaveLength(2);
    for (const img of seen.images) {
      expect(img.complete).toBe(true);
      expect(img.width).toBeGreaterThan(0);
      expect(img.src).toBe('data:image/jpeg;base64');
    }
    expect(seen.outlines).toBe(regions);
    expect(seen.taskRows).toBe(tasks.length);
    // A screenshot of a rendered page has more than the background colour in it.
    const stats = await sharp(shot).stats();
    expect(stats.channels[0]!.stdev).toBeGreaterThan(10);
    await page.close();
  }, 90_000);
});
