// The horizon band goes to the face model in overlapping parts: every small face lies whole in one of them, and each
// part is smaller than the whole-frame input (so the face model's memory is never sized by the band).
import { describe, expect, it } from 'vitest';
import { bandParts } from '../../agent/adapters/onnxRedactor.ts';

describe('bandParts', () => {
  it('cuts a 1080p band in two halves overlapping by twice 96 px, edges on the stride grid at 2×', () => {
    const parts = bandParts(1920, 2, 96);
    expect(parts).toEqual([
      { x1: 0, x2: 1056 },
      { x1: 864, x2: 1920 },
    ]);
    for (const p of parts) {
      expect((2 * p.x1) % 32).toBe(0);
      // At 2× a part is narrower than the whole frame at 1× plus the overlap: 2112 × 672 px against 1920 × 1088.
      expect(2 * (p.x2 - p.x1) * 672).toBeLessThan(1920 * 1088 * 0.7);
    }
  });

  it('puts every face up to 48 px wide whole inside at least one part, with context around it', () => {
    for (const count of [1, 2, 3]) {
      const parts = bandParts(1920, count, 96);
      expect(parts[0]!.x1).toBe(0);
      expect(parts.at(-1)!.x2).toBe(1920);
      for (let x = 0; x + 48 <= 1920; x += 4) {
        const inside = parts.some((p) => p.x1 <= Math.max(0, x - 24) && Math.min(1920, x + 72) <= p.x2);
        expect(inside, `face at x ${x} with ${count} parts`).toBe(true);
      }
    }
  });
});
