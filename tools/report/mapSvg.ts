// The map of a drive as inline SVG, drawn from the fixes alone (no tiles, no network): task areas, the track, every
// trigger as a point coloured by its fate, a scale bar and north.
import type { Area } from '../../agent/core/geo/geo.ts';
import { escapeHtml } from './html.ts';
import type { Fate, TriggerPoint } from './triggers.ts';

export interface MapTask {
  readonly id: string;
  readonly area: Area;
  readonly colour: string;
}

export const FATE_COLOURS: Record<Fate, string> = {
  kept: '#1a9850',
  outside: '#d7191c',
  'no-target': '#8a96a3',
  failed: '#e67e22',
  skipped: '#f2c500',
};

export const FATE_LABELS: Record<Fate, string> = {
  kept: 'kept',
  outside: 'kept, but outside its task area',
  'no-target': 'dropped: no target',
  failed: 'dropped: could not be judged or redacted',
  skipped: 'skipped (busy, no frame)',
};

const EARTH_M_PER_DEG = 111_320;

interface Bounds {
  minLon: number;
  maxLon: number;
  minLat: number;
  maxLat: number;
}

function ringsOf(area: Area): number[][][] {
  return area.type === 'Polygon' ? area.coordinates : area.coordinates.flat();
}

function extend(b: Bounds, lon: number, lat: number): void {
  b.minLon = Math.min(b.minLon, lon);
  b.maxLon = Math.max(b.maxLon, lon);
  b.minLat = Math.min(b.minLat, lat);
  b.maxLat = Math.max(b.maxLat, lat);
}

function overlaps(a: Bounds, b: Bounds): boolean {
  return a.minLon <= b.maxLon && b.minLon <= a.maxLon && a.minLat <= b.maxLat && b.minLat <= a.maxLat;
}

export interface MapResult {
  readonly svg: string;
  /** Tasks whose area lies away from the drive, left off the map. */
  readonly offMap: string[];
}

/** The SVG; `widthPx` wide, as tall as the drive's shape asks (within 320…760 px). */
export function driveMapSvg(track: readonly { lat: number; lon: number }[], tasks: readonly MapTask[], triggers: readonly TriggerPoint[], widthPx = 960): MapResult {
  const b: Bounds = { minLon: Infinity, maxLon: -Infinity, minLat: Infinity, maxLat: -Infinity };
  for (const p of [...track, ...triggers]) extend(b, p.lon, p.lat);
  if (!Number.isFinite(b.minLon)) extend(b, 0, 0);
  // Areas near the drive are drawn whole; one far away would shrink the drive to a dot, so it is named instead.
  const padDeg = Math.max(b.maxLat - b.minLat, b.maxLon - b.minLon, 0.002) * 0.25;
  const near: Bounds = { minLon: b.minLon - padDeg, maxLon: b.maxLon + padDeg, minLat: b.minLat - padDeg, maxLat: b.maxLat + padDeg };
  const onMap: MapTask[] = [];
  const offMap: string[] = [];
  for (const t of tasks) {
    const tb: Bounds = { minLon: Infinity, maxLon: -Infinity, minLat: Infinity, maxLat: -Infinity };
    for (const ring of ringsOf(t.area)) for (const [lon, lat] of ring) extend(tb, lon!, lat!);
    if (overlaps(tb, near)) {
      onMap.push(t);
      extend(b, tb.minLon, tb.minLat);
      extend(b, tb.maxLon, tb.maxLat);
    } else offMap.push(t.id);
  }
  const lat0 = (b.minLat + b.maxLat) / 2;
  const kx = Math.cos((lat0 * Math.PI) / 180) * EARTH_M_PER_DEG;
  const spanXM = Math.max((b.maxLon - b.minLon) * kx, 50);
  const spanYM = Math.max((b.maxLat - b.minLat) * EARTH_M_PER_DEG, 50);
  const pad = 36;
  let scale = (widthPx - 2 * pad) / spanXM; // px per metre
  let heightPx = spanYM * scale + 2 * pad;
  if (heightPx > 760) {
    scale = (760 - 2 * pad) / spanYM;
    heightPx = 760;
  }
  heightPx = Math.max(320, heightPx);
  const offX = (widthPx - spanXM * scale) / 2;
  const offY = (heightPx - spanYM * scale) / 2;
  const x = (lon: number) => round(offX + (lon - b.minLon) * kx * scale);
  const y = (lat: number) => round(heightPx - offY - (lat - b.minLat) * EARTH_M_PER_DEG * scale);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="drive-map" viewBox="0 0 ${widthPx} ${round(heightPx)}" role="img" aria-label="Map of the drive with task areas and triggers">`,
    `<defs><pattern id="grid" width="40" height="40" patternUnits="userSpaceOnUse"><path d="M40 0H0V40" fill="none" stroke="#e3e8ee" stroke-width="1"/></pattern></defs>`,
    `<rect width="100%" height="100%" fill="#f7f9fb"/><rect width="100%" height="100%" fill="url(#grid)"/>`,
  );
  for (const t of onMap) {
    const d = ringsOf(t.area)
      .map((ring) => `M${ring.map(([lon, lat]) => `${x(lon!)} ${y(lat!)}`).join('L')}Z`)
      .join('');
    const labelX = Math.min(...ringsOf(t.area)[0]!.map(([lon]) => x(lon!)));
    const labelY = Math.min(...ringsOf(t.area)[0]!.map(([, lat]) => y(lat!)));
    parts.push(
      `<g class="task-area" data-task="${escapeHtml(t.id)}"><title>${escapeHtml(t.id)}</title>`,
      `<path d="${d}" fill="${t.colour}" fill-opacity="0.14" stroke="${t.colour}" stroke-width="2" fill-rule="evenodd"/>`,
      `<text x="${labelX + 4}" y="${labelY - 6}" class="area-label" fill="${t.colour}">${escapeHtml(t.id)}</text></g>`,
    );
  }
  if (track.length > 1) {
    parts.push(
      `<polyline class="track" points="${track.map((p) => `${x(p.lon)},${y(p.lat)}`).join(' ')}" fill="none" stroke="#34495e" stroke-width="3" stroke-linejoin="round" stroke-linecap="round" stroke-opacity="0.55"/>`,
    );
    const [s, e] = [track[0]!, track[track.length - 1]!];
    parts.push(
      `<g class="ends"><circle cx="${x(s.lon)}" cy="${y(s.lat)}" r="6" fill="#fff" stroke="#34495e" stroke-width="2"/><text x="${x(s.lon) + 9}" y="${y(s.lat) + 4}" class="end-label">start</text>`,
      `<rect x="${x(e.lon) - 5}" y="${y(e.lat) - 5}" width="10" height="10" fill="#34495e"/><text x="${x(e.lon) + 9}" y="${y(e.lat) + 4}" class="end-label">end</text></g>`,
    );
  }
  for (const [i, t] of triggers.entries()) {
    parts.push(
      `<circle class="trigger" data-fate="${t.fate}" data-n="${i + 1}" cx="${x(t.lon)}" cy="${y(t.lat)}" r="5.5" fill="${FATE_COLOURS[t.fate]}" stroke="#fff" stroke-width="1.5"><title>#${i + 1} ${escapeHtml(t.fixAt.slice(11, 19))} UTC · ${escapeHtml(t.taskIds.join(', '))} · ${escapeHtml(t.detail)}</title></circle>`,
    );
  }
  // Scale bar: a round length about a fifth of the width.
  const barM = niceLength((widthPx / 5) / scale);
  const barPx = round(barM * scale);
  const by = round(heightPx - 18);
  parts.push(
    `<g class="scale"><rect x="14" y="${by - 14}" width="${barPx + 58}" height="24" rx="4" fill="#fff" fill-opacity="0.85"/><path d="M20 ${by}h${barPx}" stroke="#2c3e50" stroke-width="3"/><path d="M20 ${by - 5}v10M${20 + barPx} ${by - 5}v10" stroke="#2c3e50" stroke-width="2"/><text x="${26 + barPx}" y="${by + 4}" class="scale-label">${barM >= 1000 ? `${barM / 1000} km` : `${barM} m`}</text></g>`,
    `<g class="north" transform="translate(${widthPx - 30} 34)"><path d="M0 -16L7 8L0 3L-7 8Z" fill="#2c3e50"/><text y="22" text-anchor="middle" class="scale-label">N</text></g>`,
    '</svg>',
  );
  return { svg: parts.join(''), offMap };
}

function niceLength(m: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(m, 1)));
  for (const f of [5, 2, 1]) if (f * p <= m) return f * p;
  return p;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
