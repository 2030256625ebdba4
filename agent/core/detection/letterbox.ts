// Letterbox geometry: fit a source image into a fixed model input keeping aspect, and map boxes back.
import type { Box } from '../redaction/boxes.ts';

export interface Letterbox {
  /** Source size in pixels (a whole frame or a crop of it). */
  readonly srcWidth: number;
  readonly srcHeight: number;
  /** Model input size. */
  readonly dstWidth: number;
  readonly dstHeight: number;
  /** Input pixels per source pixel. */
  readonly scale: number;
  /** Size of the resized source inside the input. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  /** Where the resized source starts inside the input; the rest is padding. */
  readonly offsetX: number;
  readonly offsetY: number;
}

export type LetterboxAlign = 'top-left' | 'centre';

/**
 * Largest scale at which the source fits the input. Top-left alignment is what YOLOX was trained with,
 * centred is what YOLOv5-style models (HyperLPR's y5fu) expect.
 */
export function letterbox(
  srcWidth: number,
  srcHeight: number,
  dstWidth: number,
  dstHeight: number,
  align: LetterboxAlign,
): Letterbox {
  if (srcWidth <= 0 || srcHeight <= 0 || dstWidth <= 0 || dstHeight <= 0) {
    throw new Error(`letterbox needs positive sizes, got ${srcWidth}x${srcHeight} → ${dstWidth}x${dstHeight}`);
  }
  const scale = Math.min(dstWidth / srcWidth, dstHeight / srcHeight);
  const resizedWidth = Math.min(dstWidth, Math.max(1, Math.round(srcWidth * scale)));
  const resizedHeight = Math.min(dstHeight, Math.max(1, Math.round(srcHeight * scale)));
  const offsetX = align === 'centre' ? Math.floor((dstWidth - resizedWidth) / 2) : 0;
  const offsetY = align === 'centre' ? Math.floor((dstHeight - resizedHeight) / 2) : 0;
  return { srcWidth, srcHeight, dstWidth, dstHeight, scale, resizedWidth, resizedHeight, offsetX, offsetY };
}

/**
 * Scales a source so its long side is `longSide`, then rounds the input up to a multiple of `multiple`
 * (models with dynamic input such as YuNet need sides divisible by their largest stride). Top-left aligned.
 */
export function fitToMultiple(srcWidth: number, srcHeight: number, longSide: number, multiple: number): Letterbox {
  const scale = longSide / Math.max(srcWidth, srcHeight);
  const w = Math.max(1, Math.round(srcWidth * scale));
  const h = Math.max(1, Math.round(srcHeight * scale));
  const dstWidth = Math.ceil(w / multiple) * multiple;
  const dstHeight = Math.ceil(h / multiple) * multiple;
  return { srcWidth, srcHeight, dstWidth, dstHeight, scale, resizedWidth: w, resizedHeight: h, offsetX: 0, offsetY: 0 };
}

/** Maps a box in model-input pixels back to source pixels, clamped to the source. */
export function toSourceBox(b: Box, lb: Letterbox): Box {
  const sx = lb.resizedWidth / lb.srcWidth;
  const sy = lb.resizedHeight / lb.srcHeight;
  const clampX = (v: number) => Math.min(lb.srcWidth, Math.max(0, v));
  const clampY = (v: number) => Math.min(lb.srcHeight, Math.max(0, v));
  return {
    x1: clampX((b.x1 - lb.offsetX) / sx),
    y1: clampY((b.y1 - lb.offsetY) / sy),
    x2: clampX((b.x2 - lb.offsetX) / sx),
    y2: clampY((b.y2 - lb.offsetY) / sy),
  };
}

/** Moves a box found in a crop into frame pixels (the crop's top-left corner is `origin`). */
export function offsetBox(b: Box, origin: { readonly x: number; readonly y: number }): Box {
  return { x1: b.x1 + origin.x, y1: b.y1 + origin.y, x2: b.x2 + origin.x, y2: b.y2 + origin.y };
}

/**
 * Splits a frame into `columns` side-by-side tiles of full height that overlap by `overlapFraction` of a tile's
 * width, so that an object on a seam is whole in at least one tile.
 */
export function columnTiles(width: number, height: number, columns: number, overlapFraction: number): Box[] {
  if (columns <= 1) return [{ x1: 0, y1: 0, x2: width, y2: height }];
  // columns·t − (columns − 1)·overlap·t = width
  const tile = width / (columns - (columns - 1) * overlapFraction);
  const step = tile * (1 - overlapFraction);
  const tiles: Box[] = [];
  for (let i = 0; i < columns; i++) {
    const x1 = Math.max(0, Math.round(i * step));
    const x2 = i === columns - 1 ? width : Math.min(width, Math.round(i * step + tile));
    tiles.push({ x1, y1: 0, x2, y2: height });
  }
  return tiles;
}
