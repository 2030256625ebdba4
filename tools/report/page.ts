// The drive report as one self-contained HTML page: inline CSS and SVG, thumbnails as data URIs, no script and no
// network (its Content-Security-Policy allows nothing else).
import type { Area } from '../../agent/core/geo/geo.ts';
import type { EvidenceItem } from './evidence.ts';
import { escapeHtml as h } from './html.ts';
import { driveMapSvg, FATE_COLOURS, FATE_LABELS } from './mapSvg.ts';
import type { Fate, TriggerPoint } from './triggers.ts';

export interface ModelCounts {
  readonly asked: number;
  readonly found: number;
  readonly notFound: number;
  readonly unsure: number;
  readonly escalated: number;
  readonly ms: number;
}

export interface TaskRouting {
  readonly outcomes: { readonly found: number; readonly not_found: number; readonly uncertain: number };
  readonly models: Record<string, ModelCounts>;
}

export interface ReportTask {
  readonly id: string;
  readonly purpose: string;
  readonly lookFor: readonly string[];
  readonly area: Area;
}

export interface ReportModel {
  readonly vehicleId: string;
  readonly fleetId: string;
  readonly generatedAt: string;
  readonly track: readonly { lat: number; lon: number; timeMs?: number }[];
  readonly tasks: readonly ReportTask[];
  readonly triggers: readonly TriggerPoint[];
  readonly evidence: readonly EvidenceItem[];
  /** Per task id: outcomes and each model's answers (the status's routing.tasks). */
  readonly routing: Readonly<Record<string, TaskRouting>>;
  /** The summary the demo prints, row by row. */
  readonly summary: readonly (readonly [string, string | number])[];
  /** Where the figures came from, and anything passed over. */
  readonly notes: readonly string[];
}

const TASK_COLOURS = ['#1f77b4', '#9467bd', '#17becf', '#bcbd22', '#8c564b', '#e377c2', '#2ca02c', '#ff7f0e'];
const REGION_STYLE: Record<string, { colour: string; dashed: boolean; label: string }> = {
  face: { colour: '#ff2d95', dashed: false, label: 'face' },
  'head-region': { colour: '#ff8fc8', dashed: true, label: 'head region' },
  plate: { colour: '#00c2ff', dashed: false, label: 'plate' },
  'plate-zone': { colour: '#7fdcff', dashed: true, label: 'plate zone' },
  'cabin-zone': { colour: '#b084f5', dashed: true, label: 'occupants' },
};
const FATES: Fate[] = ['kept', 'outside', 'no-target', 'failed', 'skipped'];

export function reportHtml(m: ReportModel): string {
  const colours = new Map(m.tasks.map((t, i) => [t.id, TASK_COLOURS[i % TASK_COLOURS.length]!]));
  // The number of the trigger (as on the map's points) that each piece of evidence came from.
  const triggerNumbers = new Map(m.triggers.flatMap((t, i) => t.evidenceIds.map((id) => [id, i + 1] as const)));
  const map = driveMapSvg(m.track, m.tasks.map((t) => ({ id: t.id, area: t.area, colour: colours.get(t.id)! })), m.triggers);
  const count = (f: Fate) => m.triggers.filter((t) => t.fate === f).length;
  const faces = m.evidence.reduce((s, e) => s + e.meta.faces, 0);
  const plates = m.evidence.reduce((s, e) => s + e.meta.plates, 0);
  const times = m.track.map((p) => p.timeMs).filter((t): t is number => t !== undefined);
  const span = times.length > 1 ? `${fmtTime(Math.min(...times))} – ${fmtTime(Math.max(...times))} UTC · ${Math.round((Math.max(...times) - Math.min(...times)) / 60_000)} min of driving` : '';
  const kpis: [string, number | string, string][] = [
    ['triggers', m.triggers.length, 'frames the task areas asked for'],
    ['kept', count('kept'), 'redacted and uploaded'],
    ['no target', count('no-target'), 'dropped on the vehicle'],
    ['skipped or failed', count('skipped') + count('failed'), 'busy, no frame, not judged'],
    ['outside', count('outside'), 'kept outside its task area'],
    ['faces blurred', faces, 'in the uploaded evidence'],
    ['plates blurred', plates, 'in the uploaded evidence'],
  ];
  const offMap = map.offMap.length > 0 ? `<p class="muted">Not on this map (away from the drive): ${map.offMap.map(h).join(', ')}.</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Drive report · ${h(m.vehicleId)}</title>
<style>${CSS}</style></head>
<body>
<header><div><h1>Drive report <span>${h(m.vehicleId)}</span></h1>
<p class="muted">fleet ${h(m.fleetId)}${span !== '' ? ` · ${h(span)}` : ''} · made ${h(m.generatedAt.slice(0, 19).replace('T', ' '))} UTC</p></div></header>
<main>
<section class="kpis">${kpis.map(([k, v, sub]) => `<div class="kpi${k === 'outside' && v !== 0 ? ' alarm' : ''}"><b>${h(String(v))}</b><span>${h(k)}</span><small>${h(sub)}</small></div>`).join('')}</section>
<section class="card"><h2>The drive</h2>
<div class="legend">${FATES.map((f) => `<span><i style="background:${FATE_COLOURS[f]}"></i>${h(FATE_LABELS[f])} <b>${count(f)}</b></span>`).join('')}<span><i class="line"></i>track from ${m.track.length} GPS fixes</span></div>
${map.svg}${offMap}</section>
<section class="card"><h2>Tasks</h2>${tasksTable(m, colours)}</section>
<section class="card"><h2>Evidence uploaded <span class="muted">${m.evidence.length} item(s), as the ingest received them (redacted on the vehicle)</span></h2>
<div class="legend">${Object.values(REGION_STYLE).map((r) => `<span><i class="box${r.dashed ? ' dashed' : ''}" style="border-color:${r.colour}"></i>${h(r.label)}</span>`).join('')}<span class="muted">outlines mark what was blurred</span></div>
<div class="grid">${m.evidence.map((e) => evidenceCard(e, colours, triggerNumbers.get(e.meta.id))).join('') || '<p class="muted">No evidence reached the ingest.</p>'}</div></section>
<section class="card"><h2>Summary</h2><table class="summary">${m.summary.map(([k, v]) => `<tr><th>${h(k)}</th><td>${h(String(v))}</td></tr>`).join('')}</table></section>
<footer>${m.notes.map((n) => `<p>${h(n)}</p>`).join('')}</footer>
</main></body></html>
`;
}

function tasksTable(m: ReportModel, colours: ReadonlyMap<string, string>): string {
  const rows = m.tasks.map((t) => {
    const triggers = m.triggers.filter((p) => p.taskIds.includes(t.id));
    const kept = m.evidence.filter((e) => e.meta.taskId === t.id).length;
    const r = m.routing[t.id];
    const outcomes = r === undefined ? '-' : `<span class="pill found">${r.outcomes.found} found</span><span class="pill nf">${r.outcomes.not_found} not found</span>${r.outcomes.uncertain > 0 ? `<span class="pill unc">${r.outcomes.uncertain} uncertain</span>` : ''}`;
    const models =
      r === undefined || Object.keys(r.models).length === 0
        ? '<span class="muted">not asked</span>'
        : Object.entries(r.models)
            .map(([name, c]) => `<div><b>${h(name)}</b> ${c.asked} asked: ${c.found} found, ${c.notFound} not, ${c.unsure} unsure${c.escalated > 0 ? ` (${c.escalated} handed on)` : ''} · ${Math.round(c.ms / Math.max(c.asked, 1))} ms each</div>`)
            .join('');
    return `<tr><td><i class="swatch" style="background:${colours.get(t.id)}"></i><b>${h(t.id)}</b><div class="muted">${h(t.purpose)}</div></td><td>${t.lookFor.map(h).join(', ')}</td><td class="num">${triggers.length}</td><td>${outcomes}</td><td class="num">${kept}</td><td class="models">${models}</td></tr>`;
  });
  return `<table class="tasks"><thead><tr><th>task</th><th>looks for</th><th>triggers</th><th>outcomes</th><th>evidence</th><th>models asked</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function evidenceCard(e: EvidenceItem, colours: ReadonlyMap<string, string>, triggerNo: number | undefined): string {
  const regions = (e.meta.regions ?? [])
    .map((r) => {
      const s = REGION_STYLE[r.kind] ?? { colour: '#ffffff', dashed: true, label: r.kind };
      return `<rect x="${r.x1}" y="${r.y1}" width="${Math.max(1, r.x2 - r.x1)}" height="${Math.max(1, r.y2 - r.y1)}" stroke="${s.colour}"${s.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${h(s.label)}</title></rect>`;
    })
    .join('');
  const found = e.meta.found.map((f) => `${h(f.label)} ${f.score.toFixed(2)}${f.count > 1 ? ` ×${f.count}` : ''}`).join(', ') || 'kept without a match (keep: all)';
  const sw = Math.max(3, Math.round(e.width / 180));
  return `<figure class="evidence" data-evidence="${h(e.meta.id)}"><div class="thumb" style="aspect-ratio:${e.thumbWidth}/${e.thumbHeight}">
<img src="${e.thumbnail}" width="${e.thumbWidth}" height="${e.thumbHeight}" alt="redacted evidence ${h(e.meta.id)}">
<svg viewBox="0 0 ${e.width} ${e.height}" preserveAspectRatio="none" fill="none" stroke-width="${sw}">${regions}</svg></div>
<figcaption><b style="color:${colours.get(e.meta.taskId) ?? '#333'}">${h(e.meta.taskId)}</b> · ${h(e.meta.capturedAt.slice(11, 19))} UTC${triggerNo !== undefined ? ` · trigger #${triggerNo}` : ''}<br>${found}<br><span class="muted">${e.meta.faces} face(s), ${e.meta.plates} plate(s) blurred · ${(e.meta.regions ?? []).length} region(s)</span></figcaption></figure>`;
}

function fmtTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d2733;background:#eef2f6}
header{background:#1d2b3a;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px;font-weight:600}header h1 span{font-weight:400;opacity:.8;margin-left:6px}
header .muted{color:#b8c6d6;margin:4px 0 0}
main{max-width:1280px;margin:0 auto;padding:18px 20px 40px}
.muted{color:#6b7a8a;font-weight:400}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;margin-bottom:16px}
.kpi{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.kpi b{display:block;font-size:26px;font-weight:650}.kpi span{display:block;font-weight:600}.kpi small{color:#6b7a8a}
.kpi.alarm{background:#fdecea}.kpi.alarm b{color:#c0392b}
.card{background:#fff;border-radius:8px;padding:14px 18px 18px;margin-bottom:16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card h2{font-size:17px;margin:0 0 10px}.card h2 .muted{font-size:13px;margin-left:8px}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin-bottom:10px;font-size:13px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:50%;margin-right:6px;vertical-align:-1px;border:1px solid rgba(0,0,0,.15)}
.legend i.line{width:22px;height:4px;border-radius:2px;background:#34495e;opacity:.6;vertical-align:3px;border:0}
.legend i.box{border-radius:2px;background:none;border:2px solid}.legend i.box.dashed{border-style:dashed}
.drive-map{width:100%;height:auto;display:block;border-radius:6px;border:1px solid #dde3ea}
.area-label{font-size:13px;font-weight:650;paint-order:stroke;stroke:#fff;stroke-width:4px}
.end-label,.scale-label{font-size:12px;fill:#2c3e50;paint-order:stroke;stroke:#fff;stroke-width:3px}
table{border-collapse:collapse;width:100%}
.tasks th,.tasks td{text-align:left;padding:8px 10px;border-bottom:1px solid #e6ebf0;vertical-align:top}
.tasks th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#6b7a8a}
.tasks td.num{text-align:right;font-variant-numeric:tabular-nums;font-size:16px}
.tasks .models{font-size:12.5px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
.pill{display:inline-block;border-radius:10px;padding:1px 8px;margin:0 4px 3px 0;font-size:12px;white-space:nowrap}
.pill.found{background:#e3f4e8;color:#1a7a3e}.pill.nf{background:#eef1f4;color:#566473}.pill.unc{background:#fff4d6;color:#8a6400}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:14px}
.evidence{margin:0;background:#f7f9fb;border-radius:6px;overflow:hidden;border:1px solid #e1e6ec}
.thumb{position:relative;width:100%;background:#ccd5df}
.thumb img{position:absolute;inset:0;width:100%;height:100%;display:block}
.thumb svg{position:absolute;inset:0;width:100%;height:100%}
figcaption{padding:8px 10px;font-size:12.5px}
.summary th{text-align:left;font-weight:400;color:#4a5866;padding:4px 12px 4px 0;width:40%;border-bottom:1px solid #eef1f4}
.summary td{padding:4px 0;font-variant-numeric:tabular-nums;border-bottom:1px solid #eef1f4}
footer{color:#6b7a8a;font-size:12.5px;padding:4px 4px}footer p{margin:2px 0}
`;
