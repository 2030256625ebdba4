// Irreversible obscuring of regions of a packed RGB frame: a heavy Gaussian blur (boxBlur.ts) or a solid fill (sharp).
import sharp, { type Sharp } from 'sharp';
import type { RegionKind } from '../core/detection/detection.ts';
import type { Box } from '../core/redaction/boxes.ts';
import { boxBlurRegion } from './boxBlur.ts';

/** blur: box passes written here; gaussian: one libvips Gaussian per region (the pixels of earlier releases); fill. */
export type ObscureStyle = 'blur' | 'gaussian' | 'fill';

/**
 * Gaussian sigma for a region: half its short side, a quarter of its long side, at least 3 px. A face becomes a
 * soft colour field and a plate's characters (each about a sixth of its width) are spread over several
 * neighbours; after 8-bit rounding there is nothing left for a deconvolution to bring back.
 */
export function blurSigmaFor(widthPx: number, heightPx: number): number {
  return Math.max(3, Math.min(widthPx, heightPx) / 2, Math.max(widthPx, heightPx) / 4);
}

/** Whole-pixel rectangle of a box inside the image, or null when nothing of it is inside. */
function rectOf(b: Box, width: number, height: number) {
  const left = Math.max(0, Math.floor(b.x1));
  const top = Math.max(0, Math.floor(b.y1));
  const right = Math.min(width, Math.ceil(b.x2));
  const bottom = Math.min(height, Math.ceil(b.y2));
  return right > left && bottom > top ? { left, top, width: right - left, height: bottom - top } : null;
}

type Rect = { left: number; top: number; width: number; height: number };

/**
 * Obscures each box of `rgb` (packed RGB, width×height) in place. Overlapping boxes are taken one after the other,
 * each from the pixels the one before left, so an overlap is obscured twice and no seam of sharp-edged patches is
 * left inside a box. Pixels outside the boxes are untouched. The blur is written here (three box passes a direction,
 * boxBlur.ts): a frame's ~25 regions are small (~65,000 pixels in all on 1080p street frames), and a libvips
 * pipeline per region cost more to set up than the blur itself. Fills and `gaussian` go to sharp, concurrently where
 * boxes do not overlap.
 *
 * With `kinds` (the plan's region kind of each box), a face and the faces and head regions it overlaps are blurred
 * as one field (`blurJoined`): in a crowd a neighbour's region, blurred after a face's, left a step at its edge
 * across that face, which the eye and the detail measure read as an edge.
 */
export async function obscureRegions(
  rgb: Buffer,
  width: number,
  height: number,
  boxes: readonly Box[],
  style: ObscureStyle = 'blur',
  kinds: readonly RegionKind[] = [],
): Promise<void> {
  if (rgb.length !== width * height * 3) throw new Error(`buffer holds ${rgb.length} bytes, expected ${width}x${height}x3`);
  const kept = boxes.flatMap((b, i) => {
    const rect = rectOf(b, width, height);
    return rect ? [{ rect, kind: kinds[i] }] : [];
  });
  const rects = kept.map((k) => k.rect);
  if (style === 'blur') {
    for (const group of joinedGroups(kept)) {
      if (group.length === 1) boxBlurRegion(rgb, width, group[0]!, blurSigmaFor(group[0]!.width, group[0]!.height));
      else blurJoined(rgb, width, group);
    }
    return;
  }
  for (const wave of waves(rects)) {
    const patches = await Promise.all(
      wave.map((rect) => {
        // Copy the rows out first: sharp then works on a few KB instead of wrapping the whole frame per region.
        const region = sharp(copyRect(rgb, width, rect), { raw: { width: rect.width, height: rect.height, channels: 3 } });
        return style === 'fill'
          ? meanColourPatch(region, rect.width, rect.height)
          : region.blur(blurSigmaFor(rect.width, rect.height)).raw().toBuffer();
      }),
    );
    wave.forEach((rect, i) => {
      const patch = patches[i]!;
      if (patch.length !== rect.width * rect.height * 3) throw new Error(`obscured patch has ${patch.length} bytes, expected ${rect.width * rect.height * 3}`);
      const rowBytes = rect.width * 3;
      for (let y = 0; y < rect.height; y++) {
        patch.copy(rgb, ((rect.top + y) * width + rect.left) * 3, y * rowBytes, (y + 1) * rowBytes);
      }
    });
  }
}

/** Splits rects into waves in order: a rect goes into the wave after the last one holding a rect it overlaps. */
function waves(rects: readonly Rect[]): Rect[][] {
  const out: Rect[][] = [];
  const waveOf: number[] = [];
  rects.forEach((r, i) => {
    let w = 0;
    for (let j = 0; j < i; j++) if (waveOf[j]! >= w && overlaps(rects[j]!, r)) w = waveOf[j]! + 1;
    waveOf.push(w);
    (out[w] ??= []).push(r);
  });
  return out;
}

function overlaps(a: Rect, b: Rect): boolean {
  return a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;
}

/** The pixels of `rect` as their own packed RGB buffer. */
function copyRect(rgb: Buffer, width: number, rect: Rect): Buffer {
  const rowBytes = rect.width * 3;
  const out = Buffer.allocUnsafe(rowBytes * rect.height);
  for (let y = 0; y < rect.height; y++) {
    const from = ((rect.top + y) * width + rect.left) * 3;
    rgb.copy(out, y * rowBytes, from, from + rowBytes);
  }
  return out;
}

/** The region's mean colour, repeated: nothing of the region's content but three numbers survives. */
async function meanColourPatch(region: Sharp, w: number, h: number): Promise<Buffer> {
  const { channels } = await region.stats();
  const [r, g, b] = channels.map((c) => Math.round(c.mean));
  return sharp({ create: { width: w, height: h, channels: 3, background: { r: r!, g: g!, b: b! } } }).raw().toBuffer();
}

/** Whether two overlapping regions are blurred as one field: a face with a face or a head region. */
function joins(a: RegionKind | undefined, b: RegionKind | undefined): boolean {
  return (a === 'face' && (b === 'face' || b === 'head-region')) || (b === 'face' && a === 'head-region');
}

/**
 * The rects in groups, in the order of each group's first member: rects that overlap and join (`joins`), directly or
 * through others, share a group; every other rect is a group of its own.
 */
function joinedGroups(items: readonly { rect: Rect; kind: RegionKind | undefined }[]): Rect[][] {
  const parent = items.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      if (joins(items[i]!.kind, items[j]!.kind) && overlaps(items[i]!.rect, items[j]!.rect)) parent[root(j)] = root(i);
    }
  }
  const groups = new Map<number, Rect[]>();
  items.forEach((item, i) => {
    const k = root(i);
    const group = groups.get(k);
    if (group) group.push(item.rect);
    else groups.set(k, [item.rect]);
  });
  return [...groups.values()];
}

/**
 * Joined regions blurred as one field: the rectangle round them all is blurred from the frame's pixels with the
 * largest sigma any of them asks for (each region at least as strongly as alone), and written back only inside the
 * regions: no pixel outside them changes, and no region's edge leaves a step inside another.
 */
function blurJoined(rgb: Buffer, width: number, group: readonly Rect[]): void {
  const left = Math.min(...group.map((r) => r.left));
  const top = Math.min(...group.map((r) => r.top));
  const w = Math.max(...group.map((r) => r.left + r.width)) - left;
  const h = Math.max(...group.map((r) => r.top + r.height)) - top;
  const sigma = Math.max(...group.map((r) => blurSigmaFor(r.width, r.height)));
  const field = copyRect(rgb, width, { left, top, width: w, height: h });
  boxBlurRegion(field, w, { left: 0, top: 0, width: w, height: h }, sigma);
  for (const r of group) {
    for (let y = 0; y < r.height; y++) {
      const from = ((r.top - top + y) * w + (r.left - left)) * 3;
      field.copy(rgb, ((r.top + y) * width + r.left) * 3, from, from + r.width * 3);
    }
  }
}
