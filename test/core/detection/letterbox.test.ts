import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COCO_LABELS } from '../../../agent/core/detection/cocoLabels.ts';
import { columnTiles, fitToMultiple, letterbox, offsetBox, toSourceBox } from '../../../agent/core/detection/letterbox.ts';
import { assertInputs, sharedFile } from '../../support/inputs.ts';

describe('letterbox', () => {
  const cases = [
    { src: [1920, 1080], dst: [416, 416], align: 'top-left', scale: 416 / 1920, resized: [416, 234], offset: [0, 0] },
    { src: [1920, 1080], dst: [640, 640], align: 'centre', scale: 1 / 3, resized: [640, 360], offset: [0, 140] },
    { src: [480, 640], dst: [416, 416], align: 'top-left', scale: 0.65, resized: [312, 416], offset: [0, 0] },
    { src: [100, 50], dst: [320, 320], align: 'centre', scale: 3.2, resized: [320, 160], offset: [0, 80] },
  ] as const;
  for (const c of cases) {
    it(`${c.src.join('×')} → ${c.dst.join('×')} ${c.align}`, () => {
      const lb = letterbox(c.src[0], c.src[1], c.dst[0], c.dst[1], c.align);
      expect(lb.scale).toBeCloseTo(c.scale, 9);
      expect([lb.resizedWidth, lb.resizedHeight]).toEqual(c.resized);
      expect([lb.offsetX, lb.offsetY]).toEqual(c.offset);
    });
  }

  it('maps input boxes back to source pixels, clamped', () => {
    const lb = letterbox(1920, 1080, 640, 640, 'centre');
    expect(toSourceBox({ x1: 0, y1: 140, x2: 640, y2: 500 }, lb)).toEqual({ x1: 0, y1: 0, x2: 1920, y2: 1080 });
    const b = toSourceBox({ x1: 100, y1: 240, x2: 200, y2: 260 }, lb);
    expect(b.x1).toBeCloseTo(300);
    expect(b.y1).toBeCloseTo(300);
    expect(b.x2).toBeCloseTo(600);
    expect(b.y2).toBeCloseTo(360);
    expect(toSourceBox({ x1: -50, y1: 0, x2: 700, y2: 700 }, lb)).toEqual({ x1: 0, y1: 0, x2: 1920, y2: 1080 });
  });

  it('rejects empty sizes', () => expect(() => letterbox(0, 10, 416, 416, 'centre')).toThrow());

  it('fitToMultiple rounds the input up to the stride', () => {
    const lb = fitToMultiple(1920, 1080, 960, 32);
    expect([lb.resizedWidth, lb.resizedHeight, lb.dstWidth, lb.dstHeight]).toEqual([960, 540, 960, 544]);
  });

  it('offsetBox moves crop boxes into the frame', () => {
    expect(offsetBox({ x1: 1, y1: 2, x2: 3, y2: 4 }, { x: 10, y: 20 })).toEqual({ x1: 11, y1: 22, x2: 13, y2: 24 });
  });

  it('columnTiles cover the frame with overlap', () => {
    const tiles = columnTiles(1920, 1080, 2, 0.1);
    expect(tiles[0]).toEqual({ x1: 0, y1: 0, x2: 1011, y2: 1080 });
    expect(tiles[1]).toEqual({ x1: 909, y1: 0, x2: 1920, y2: 1080 });
    expect(columnTiles(800, 600, 1, 0.1)).toEqual([{ x1: 0, y1: 0, x2: 800, y2: 600 }]);
  });
});

describe('COCO_LABELS', () => {
  // Darknet's coco.names spells six classes differently; order and meaning are the same.
  const aliases: Record<string, string> = {
    motorbike: 'motorcycle',
    aeroplane: 'airplane',
    sofa: 'couch',
    pottedplant: 'potted plant',
    diningtable: 'dining table',
    tvmonitor: 'tv',
  };
  const names = sharedFile('models/coco.names');
  it('matches coco.names in order (../shared/models)', () => {
    assertInputs(names);
    const lines = readFileSync(names, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    expect(COCO_LABELS.length).toBe(80);
    expect(lines.map((l) => aliases[l] ?? l)).toEqual([...COCO_LABELS]);
  });
});
