// Axis-aligned boxes in pixels: intersection, padding, clipping and non-maximum suppression.
export interface Box {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

export function boxWidth(b: Box): number {
  return Math.max(0, b.x2 - b.x1);
}

export function boxHeight(b: Box): number {
  return Math.max(0, b.y2 - b.y1);
}

export function boxArea(b: Box): number {
  return boxWidth(b) * boxHeight(b);
}

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = ix * iy;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Grows a box by `fraction` of its size on every side. */
export function padBox(b: Box, fraction: number): Box {
  const dx = boxWidth(b) * fraction;
  const dy = boxHeight(b) * fraction;
  return { x1: b.x1 - dx, y1: b.y1 - dy, x2: b.x2 + dx, y2: b.y2 + dy };
}

/** Clips to the image and rounds outward to whole pixels; null when nothing is left. */
export function clipBox(b: Box, width: number, height: number): Box | null {
  const x1 = Math.max(0, Math.floor(b.x1));
  const y1 = Math.max(0, Math.floor(b.y1));
  const x2 = Math.min(width, Math.ceil(b.x2));
  const y2 = Math.min(height, Math.ceil(b.y2));
  return x2 > x1 && y2 > y1 ? { x1, y1, x2, y2 } : null;
}

/** Greedy non-maximum suppression: keeps the best-scoring item of each overlapping group. */
export function nms<T extends { box: Box; score: number }>(items: readonly T[], iouThreshold: number): T[] {
  const sorted = [...items].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const item of sorted) {
    if (kept.every((k) => iou(k.box, item.box) <= iouThreshold)) kept.push(item);
  }
  return kept;
}

/** nms() within each class: boxes of different classes never suppress one another. */
export function nmsPerClass<T extends { box: Box; score: number; cls: number }>(items: readonly T[], iouThreshold: number): T[] {
  const byClass = new Map<number, T[]>();
  for (const d of items) {
    const list = byClass.get(d.cls) ?? [];
    list.push(d);
    byClass.set(d.cls, list);
  }
  return [...byClass.values()].flatMap((list) => nms(list, iouThreshold));
}
