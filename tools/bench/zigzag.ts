// A valid polygon built to be the worst case of a box-index intersection check: thin slanted teeth whose edge boxes
// all overlap one another, closed by a base. Shared by the area bench and the area tests.

/** A closed ring of about `vertices` positions around (lon, lat): `teeth` slanted teeth over a base. */
export function zigzagRing(vertices: number, lon = 12.55, lat = 55.68): [number, number][] {
  const teeth = Math.max(2, Math.floor((vertices - 4) / 2));
  // Each tooth leans over all the others: bottom at x = i, top at x = i + teeth, so every edge box holds x ≈ teeth.
  const dx = 0.02 / (2 * teeth);
  const height = 0.01;
  const ring: [number, number][] = [];
  for (let i = 0; i < teeth; i++) {
    ring.push([lon + i * dx, lat]);
    ring.push([lon + (i + teeth) * dx, lat + height]);
  }
  ring.push([lon + teeth * dx, lat]);
  ring.push([lon + teeth * dx, lat - height / 10]);
  ring.push([lon, lat - height / 10]);
  ring.push([lon, lat]);
  return ring;
}
