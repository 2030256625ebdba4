// Canonical JSON of a task for signing: RFC 8785 (JCS) for the values JSON can carry — sorted keys, no whitespace.
//
// The form: objects with their members sorted by key (UTF-16 code units, as JavaScript compares strings), arrays in
// order, no whitespace, strings and numbers written as ECMAScript JSON.stringify writes them (shortest round-trip
// numbers, minimal escapes). The signed bytes are the UTF-8 of that text, of the task without its "signature" key.

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('canonical JSON has no form for NaN or Infinity');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    // Positions are most of a task: an array of finite numbers is written as JSON.stringify writes it, in one call.
    if (value.every((v) => typeof v === 'number' && Number.isFinite(v))) return JSON.stringify(value);
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (typeof value === 'object') {
    const members = Object.keys(value as object)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${members.join(',')}}`;
  }
  throw new Error(`canonical JSON has no form for a ${typeof value}`);
}
