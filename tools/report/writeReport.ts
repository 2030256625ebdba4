// Builds the drive report from what the agent and the ingest recorded — the agent's log (every trigger and its
// fate), the ingest's received items (redacted JPEGs and metadata), the fixes replayed — and writes the page.
import { readFile, writeFile } from 'node:fs/promises';
import { insideArea } from '../../agent/core/geo/geo.ts';
import { readNmeaEpochs } from '../../agent/core/gps/nmea.ts';
import { readEvidence } from './evidence.ts';
import { reportHtml, type ReportTask, type TaskRouting } from './page.ts';
import { triggersFromLog } from './triggers.ts';

export interface ReportSources {
  readonly vehicleId: string;
  readonly fleetId: string;
  /** The agent's log: pino JSON lines. */
  readonly logFile: string;
  /** Where the ingest stored {id}.jpg and {id}.json. */
  readonly evidenceDir: string;
  /** The drive's fixes as NMEA (what the GPS source replayed). */
  readonly nmeaFile: string;
  readonly tasks: readonly ReportTask[];
  readonly routing: Readonly<Record<string, TaskRouting>>;
  readonly summary: readonly (readonly [string, string | number])[];
}

export interface ReportWritten {
  readonly file: string;
  readonly triggers: number;
  readonly evidence: number;
  readonly bytes: number;
}

export async function writeReport(src: ReportSources, outFile: string): Promise<ReportWritten> {
  const [logText, nmeaText, evidence] = await Promise.all([
    readFile(src.logFile, 'utf8').catch(() => ''),
    readFile(src.nmeaFile, 'utf8').catch(() => ''),
    readEvidence(src.evidenceDir),
  ]);
  const triggers = triggersFromLog(logText);
  const track = readNmeaEpochs(nmeaText)
    .filter((e) => e.valid)
    .map((e) => ({ lat: e.lat, lon: e.lon, ...(e.timeMs !== undefined ? { timeMs: e.timeMs } : {}) }));
  // A kept frame whose evidence lies outside its own task's area is what must never happen: shown in red.
  const areas = new Map(src.tasks.map((t) => [t.id, t.area]));
  const outside = new Set(
    evidence.items.filter((e) => { const area = areas.get(e.meta.taskId); return area === undefined || !insideArea(e.meta, area); }).map((e) => e.meta.id),
  );
  for (const t of triggers) {
    if (t.fate === 'kept' && t.evidenceIds.some((id) => outside.has(id))) {
      t.fate = 'outside';
      t.detail = 'kept, but the evidence lies outside its task area';
    }
  }
  const notes = [
    `Triggers and their fate: the agent's log (${src.logFile}), one line per decision. Evidence: what the ingest received (${src.evidenceDir}); thumbnails are downscaled copies of the redacted uploads. Map: ${track.length} fixes of ${src.nmeaFile}, no map tiles.`,
    ...evidence.skipped.map((s) => `Passed over: ${s}`),
  ];
  const html = reportHtml({
    vehicleId: src.vehicleId,
    fleetId: src.fleetId,
    generatedAt: new Date().toISOString(),
    track,
    tasks: src.tasks,
    triggers,
    evidence: evidence.items,
    routing: src.routing,
    summary: src.summary,
    notes,
  });
  await writeFile(outFile, html);
  return { file: outFile, triggers: triggers.length, evidence: evidence.items.length, bytes: Buffer.byteLength(html) };
}
