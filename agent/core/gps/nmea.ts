// NMEA 0183: parses RMC/GGA sentences (checksum verified) into partial fixes, and writes them for fixture drives.

export interface NmeaRmc {
  readonly type: 'RMC';
  /** GP, GN, GL, GA, BD, … */
  readonly talker: string;
  /** Milliseconds since UTC midnight. */
  readonly timeOfDayMs?: number;
  /** Full UTC time (epoch ms) when both time and date are present. */
  readonly timeMs?: number;
  /** Status A (active) versus V (void). */
  readonly valid: boolean;
  readonly lat?: number;
  readonly lon?: number;
  readonly speedMps?: number;
  readonly trackDeg?: number;
}

export interface NmeaGga {
  readonly type: 'GGA';
  readonly talker: string;
  readonly timeOfDayMs?: number;
  /** Fix quality: 0 none, 1 GPS, 2 DGPS, 4/5 RTK, 6 dead reckoning, … */
  readonly quality: number;
  readonly lat?: number;
  readonly lon?: number;
  readonly satellites?: number;
  readonly hdop?: number;
  readonly altitudeM?: number;
}

export type NmeaSentence = NmeaRmc | NmeaGga;

const KNOTS_TO_MPS = 1852 / 3600;

/** XOR of every character between `$` and `*`, as two upper-case hex digits. */
export function nmeaChecksum(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i) & 0xff;
  return sum.toString(16).toUpperCase().padStart(2, '0');
}

/** `$body*CS` with the checksum computed. */
export function nmeaSentence(body: string): string {
  return `$${body}*${nmeaChecksum(body)}`;
}

/** Splits `$body*CS` and checks the checksum; undefined when malformed or wrong (a sentence without one is refused). */
export function verifiedBody(line: string): string | undefined {
  const text = line.trim();
  const match = /^\$([^$*]+)\*([0-9A-Fa-f]{2})$/.exec(text);
  if (!match) return undefined;
  const body = match[1]!;
  return nmeaChecksum(body) === match[2]!.toUpperCase() ? body : undefined;
}

/** Parses one sentence; undefined for a bad checksum, a malformed field or a type other than RMC/GGA. */
export function parseNmea(line: string): NmeaSentence | undefined {
  const body = verifiedBody(line);
  if (body === undefined) return undefined;
  const f = body.split(',');
  const id = f[0] ?? '';
  if (!/^[A-Z]{5}$/.test(id)) return undefined;
  const talker = id.slice(0, 2);
  const type = id.slice(2);
  try {
    if (type === 'RMC') return parseRmc(talker, f);
    if (type === 'GGA') return parseGga(talker, f);
  } catch {
    return undefined;
  }
  return undefined;
}

function parseRmc(talker: string, f: string[]): NmeaRmc {
  const timeOfDayMs = parseTimeOfDay(f[1]);
  const valid = f[2] === 'A';
  const position = parsePosition(f[3], f[4], f[5], f[6]);
  const knots = optionalNumber(f[7]);
  const trackDeg = optionalNumber(f[8]);
  const dateMs = parseDate(f[9]);
  return {
    type: 'RMC',
    talker,
    valid,
    ...(timeOfDayMs !== undefined ? { timeOfDayMs } : {}),
    ...(timeOfDayMs !== undefined && dateMs !== undefined ? { timeMs: dateMs + timeOfDayMs } : {}),
    ...position,
    ...(knots !== undefined ? { speedMps: knots * KNOTS_TO_MPS } : {}),
    ...(trackDeg !== undefined ? { trackDeg } : {}),
  };
}

function parseGga(talker: string, f: string[]): NmeaGga {
  const timeOfDayMs = parseTimeOfDay(f[1]);
  const position = parsePosition(f[2], f[3], f[4], f[5]);
  const quality = optionalNumber(f[6]) ?? 0;
  const satellites = optionalNumber(f[7]);
  const hdop = optionalNumber(f[8]);
  const altitudeM = optionalNumber(f[9]);
  return {
    type: 'GGA',
    talker,
    quality,
    ...(timeOfDayMs !== undefined ? { timeOfDayMs } : {}),
    ...position,
    ...(satellites !== undefined ? { satellites } : {}),
    ...(hdop !== undefined ? { hdop } : {}),
    ...(altitudeM !== undefined ? { altitudeM } : {}),
  };
}

function optionalNumber(field: string | undefined): number | undefined {
  if (field === undefined || field === '') return undefined;
  const value = Number(field);
  if (!Number.isFinite(value)) throw new Error(`not a number: ${field}`);
  return value;
}

/** hhmmss(.sss) → ms since midnight. */
function parseTimeOfDay(field: string | undefined): number | undefined {
  if (field === undefined || field === '') return undefined;
  const m = /^(\d{2})(\d{2})(\d{2}(?:\.\d+)?)$/.exec(field);
  if (!m) throw new Error(`bad time ${field}`);
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (h > 23 || min > 59 || s >= 61) throw new Error(`bad time ${field}`);
  return Math.round(((h * 60 + min) * 60 + s) * 1000);
}

/** ddmmyy → epoch ms of that UTC midnight (years 80–99 are 1980–1999, the rest 2000–2079). */
function parseDate(field: string | undefined): number | undefined {
  if (field === undefined || field === '') return undefined;
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(field);
  if (!m) throw new Error(`bad date ${field}`);
  const yy = Number(m[3]);
  return Date.UTC(yy >= 80 ? 1900 + yy : 2000 + yy, Number(m[2]) - 1, Number(m[1]));
}

/** ddmm.mmmm + N/S and dddmm.mmmm + E/W → degrees; both or neither. */
function parsePosition(
  latField: string | undefined,
  ns: string | undefined,
  lonField: string | undefined,
  ew: string | undefined,
): { lat?: number; lon?: number } {
  if (!latField || !lonField) return {};
  const lat = parseDegrees(latField, 2) * (ns === 'S' ? -1 : ns === 'N' ? 1 : NaN);
  const lon = parseDegrees(lonField, 3) * (ew === 'W' ? -1 : ew === 'E' ? 1 : NaN);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    throw new Error('bad position');
  }
  return { lat, lon };
}

function parseDegrees(field: string, degreeDigits: number): number {
  if (!new RegExp(`^\\d{${degreeDigits}}\\d{2}(\\.\\d+)?$`).test(field)) throw new Error(`bad coordinate ${field}`);
  const minutes = Number(field.slice(degreeDigits));
  if (minutes >= 60) throw new Error(`bad coordinate ${field}`);
  return Number(field.slice(0, degreeDigits)) + minutes / 60;
}

/** One receiver epoch: the RMC and GGA sentences that share a time of day, merged. */
export interface NmeaEpoch {
  /** UTC epoch ms: from RMC's date, or GGA's time of day on the last date seen; undefined before any date. */
  readonly timeMs?: number;
  readonly timeOfDayMs?: number;
  readonly lat: number;
  readonly lon: number;
  /** RMC status A or GGA quality > 0. */
  readonly valid: boolean;
  readonly speedMps?: number;
  readonly trackDeg?: number;
  readonly hdop?: number;
  readonly satellites?: number;
}

/** Reads a log of sentences into epochs in file order; lines that do not parse, and epochs without position, are skipped. */
export function readNmeaEpochs(text: string): NmeaEpoch[] {
  const epochs: NmeaEpoch[] = [];
  let dateMs: number | undefined;
  let current: { key: number | undefined; parts: NmeaSentence[] } | undefined;
  const flush = (): void => {
    if (!current) return;
    const epoch = mergeEpoch(current.parts, dateMs);
    if (epoch) epochs.push(epoch);
    current = undefined;
  };
  for (const line of text.split(/\r?\n/)) {
    const sentence = parseNmea(line);
    if (!sentence) continue;
    const key = sentence.timeOfDayMs;
    if (current && (key === undefined || current.key !== key)) flush();
    current ??= { key, parts: [] };
    current.parts.push(sentence);
    if (sentence.type === 'RMC' && sentence.timeMs !== undefined && sentence.timeOfDayMs !== undefined) {
      dateMs = sentence.timeMs - sentence.timeOfDayMs;
    }
  }
  flush();
  return epochs;
}

function mergeEpoch(parts: readonly NmeaSentence[], dateMs: number | undefined): NmeaEpoch | undefined {
  const rmc = parts.find((p): p is NmeaRmc => p.type === 'RMC');
  const gga = parts.find((p): p is NmeaGga => p.type === 'GGA');
  const lat = rmc?.lat ?? gga?.lat;
  const lon = rmc?.lon ?? gga?.lon;
  if (lat === undefined || lon === undefined) return undefined;
  const timeOfDayMs = rmc?.timeOfDayMs ?? gga?.timeOfDayMs;
  const timeMs = rmc?.timeMs ?? (timeOfDayMs !== undefined && dateMs !== undefined ? dateMs + timeOfDayMs : undefined);
  return {
    lat,
    lon,
    valid: (rmc?.valid ?? false) || (gga !== undefined && gga.quality > 0),
    ...(timeMs !== undefined ? { timeMs } : {}),
    ...(timeOfDayMs !== undefined ? { timeOfDayMs } : {}),
    ...(rmc?.speedMps !== undefined ? { speedMps: rmc.speedMps } : {}),
    ...(rmc?.trackDeg !== undefined ? { trackDeg: rmc.trackDeg } : {}),
    ...(gga?.hdop !== undefined ? { hdop: gga.hdop } : {}),
    ...(gga?.satellites !== undefined ? { satellites: gga.satellites } : {}),
  };
}

// ---- writing ---------------------------------------------------------------------------------------------------

/** A point of a generated drive. */
export interface TrackPoint {
  readonly timeMs: number;
  readonly lon: number;
  readonly lat: number;
  readonly speedMps: number;
  readonly trackDeg: number;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function formatTimeOfDay(timeMs: number): string {
  const d = new Date(timeMs);
  const centis = Math.floor(d.getUTCMilliseconds() / 10);
  return `${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}.${pad(centis, 2)}`;
}

function formatDate(timeMs: number): string {
  const d = new Date(timeMs);
  return `${pad(d.getUTCDate(), 2)}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCFullYear() % 100, 2)}`;
}

/** Degrees → [d]ddmm.mmmmm (1e-5 minutes ≈ 2 cm), carrying a rounded 60 into the degrees. */
function formatDegrees(value: number, degreeDigits: number): string {
  const units = Math.round(Math.abs(value) * 60 * 1e5);
  const degrees = Math.floor(units / 6e6);
  const minutes = (units - degrees * 6e6) / 1e5;
  return `${pad(degrees, degreeDigits)}${minutes.toFixed(5).padStart(8, '0')}`;
}

function formatLatLon(lat: number, lon: number): string {
  return `${formatDegrees(lat, 2)},${lat < 0 ? 'S' : 'N'},${formatDegrees(lon, 3)},${lon < 0 ? 'W' : 'E'}`;
}

export function formatRmc(p: TrackPoint, talker = 'GP'): string {
  const knots = p.speedMps / KNOTS_TO_MPS;
  const body = [
    `${talker}RMC`,
    formatTimeOfDay(p.timeMs),
    'A',
    formatLatLon(p.lat, p.lon),
    knots.toFixed(2),
    normaliseDeg(p.trackDeg).toFixed(2),
    formatDate(p.timeMs),
    '',
    '',
    'A',
  ].join(',');
  return nmeaSentence(body);
}

export interface GgaExtras {
  readonly satellites?: number;
  readonly hdop?: number;
  readonly altitudeM?: number;
}

export function formatGga(p: TrackPoint, extras: GgaExtras = {}, talker = 'GP'): string {
  const body = [
    `${talker}GGA`,
    formatTimeOfDay(p.timeMs),
    formatLatLon(p.lat, p.lon),
    '1',
    pad(extras.satellites ?? 9, 2),
    (extras.hdop ?? 0.9).toFixed(1),
    (extras.altitudeM ?? 12).toFixed(1),
    'M',
    '41.5',
    'M',
    '',
    '',
  ].join(',');
  return nmeaSentence(body);
}

/** An RMC + GGA pair per point: what a typical receiver sends once a second. */
export function formatTrack(points: readonly TrackPoint[], extras: GgaExtras = {}): string[] {
  return points.flatMap((p) => [formatRmc(p), formatGga(p, extras)]);
}

// ---- a drive along a polyline ------------------------------------------------------------------------------------

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (deg: number): number => (deg * Math.PI) / 180;

function normaliseDeg(deg: number): number {
  return ((deg % 360) + 360) % 360;
}

/** Great-circle distance between [lon, lat] points in metres. */
export function haversineM(a: readonly [number, number], b: readonly [number, number]): number {
  const dLat = rad(b[1] - a[1]);
  const dLon = rad(b[0] - a[0]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[1])) * Math.cos(rad(b[1])) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from a to b, degrees clockwise from north. */
export function bearingDeg(a: readonly [number, number], b: readonly [number, number]): number {
  const y = Math.sin(rad(b[0] - a[0])) * Math.cos(rad(b[1]));
  const x = Math.cos(rad(a[1])) * Math.sin(rad(b[1])) - Math.sin(rad(a[1])) * Math.cos(rad(b[1])) * Math.cos(rad(b[0] - a[0]));
  return normaliseDeg((Math.atan2(y, x) * 180) / Math.PI);
}

export interface DriveOptions {
  readonly speedKmh: number;
  /** UTC time of the first fix (epoch ms). */
  readonly startMs: number;
  /** Time between fixes; default 1000 (1 Hz). */
  readonly intervalMs?: number;
}

/**
 * Drives along a polyline of [lon, lat] at constant speed and samples a fix every interval, from the first vertex
 * up to the last whole interval before the end. Course is the bearing of the segment being driven.
 */
export function driveAlong(line: readonly (readonly [number, number])[], o: DriveOptions): TrackPoint[] {
  if (line.length < 2) throw new Error('a drive needs at least two points');
  if (!(o.speedKmh > 0)) throw new Error(`speed must be positive, got ${o.speedKmh}`);
  const intervalMs = o.intervalMs ?? 1000;
  if (!(intervalMs > 0)) throw new Error(`interval must be positive, got ${intervalMs}`);
  const speedMps = o.speedKmh / 3.6;
  const lengths = line.slice(1).map((p, i) => haversineM(line[i]!, p));
  const totalM = lengths.reduce((s, l) => s + l, 0);
  const points: TrackPoint[] = [];
  let segment = 0;
  let segmentStartM = 0;
  for (let k = 0; ; k++) {
    const distanceM = (speedMps * k * intervalMs) / 1000;
    if (distanceM > totalM + 1e-9) break;
    while (segment < lengths.length - 1 && distanceM > segmentStartM + lengths[segment]!) {
      segmentStartM += lengths[segment]!;
      segment++;
    }
    const a = line[segment]!;
    const b = line[segment + 1]!;
    const length = lengths[segment]!;
    const f = length > 0 ? Math.min(1, (distanceM - segmentStartM) / length) : 0;
    points.push({
      timeMs: o.startMs + k * intervalMs,
      lon: a[0] + (b[0] - a[0]) * f,
      lat: a[1] + (b[1] - a[1]) * f,
      speedMps,
      trackDeg: bearingDeg(a, b),
    });
  }
  return points;
}

/** A whole fixture drive: RMC + GGA at 1 Hz along the polyline, one sentence per line. */
export function trackToNmea(
  line: readonly (readonly [number, number])[],
  speedKmh: number,
  startMs: number,
): { text: string; fixes: number } {
  const points = driveAlong(line, { speedKmh, startMs });
  return { text: `${formatTrack(points).join('\r\n')}\r\n`, fixes: points.length };
}
