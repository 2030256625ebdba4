import { describe, expect, it } from 'vitest';
import { combinedTable, allSets } from '../../tools/eval/evalAll.ts';
import { rowsLine, type EvalFigures } from '../../tools/eval/eval.ts';
import { parseCameraOption, SET_CAMERAS, setCamera } from '../../tools/eval/setCameras.ts';

describe("eval: each set's camera", () => {
  it('the dashcam sets have a geometry and say how it was found; photos from any height have none', () => {
    expect(setCamera('dashcam-dev')).toMatchObject({ fovDeg: expect.any(Number), mountHeightM: expect.any(Number), pitchDeg: expect.any(Number) });
    expect(setCamera('plates-romania-dev')?.pitchDeg).toBeGreaterThan(0);
    expect(setCamera('faces-wider-street')).toBeNull();
    expect(setCamera('a folder of my own')).toBeNull();
    for (const s of Object.values(SET_CAMERAS)) expect(s.how.length).toBeGreaterThan(20);
    for (const set of allSets()) expect(SET_CAMERAS[set], `${set} has no entry in tools/eval/setCameras.ts`).toBeDefined();
  });
  it('--camera takes "none" or the three keys, and names a bad one', () => {
    expect(parseCameraOption('none')).toBeNull();
    expect(parseCameraOption('{"fovDeg":100,"mountHeightM":1.3,"pitchDeg":-2}')).toEqual({ fovDeg: 100, mountHeightM: 1.3, pitchDeg: -2 });
    expect(() => parseCameraOption('{"fovDeg":100,"mountHeightM":30,"pitchDeg":0}')).toThrow(/mountHeightM/);
    expect(() => parseCameraOption('{"fovDeg":100}')).toThrow(/mountHeightM/);
    expect(() => parseCameraOption('level')).toThrow(/not JSON/);
  });
  it('the table says which rows each set was searched on, beside the fixed ones', () => {
    const f = {
      set: 'dashcam-dev',
      images: 1,
      failedImages: 0,
      kinds: {},
      overblurAllKinds: 0,
      msPerImage: { mean: 1, p95: 1 },
      outDir: '/tmp/x',
      camera: { fovDeg: 90, mountHeightM: 1.35, pitchDeg: 0 },
      rows: {
        faceBand: { top: 0.306, bottom: 0.612, span: 0.306 },
        textBand: { top: 0.418, horizon: 0.458 },
        framesPlacedByObjects: 1,
        fallback: { faceBand: { top: 0.35, bottom: 0.68 }, textBand: { top: 0.38, horizon: 0.4 } },
      },
    } as EvalFigures;
    expect(rowsLine(f.rows!, f.camera!)).toMatch(/face band 30\.6 %–61\.2 %.*constant 35\.0 %–68\.0 %.*plates below 45\.8 %/);
    expect(combinedTable([f])).toContain('dashcam-dev: rows (camera 90°, 1.35 m, pitch 0°');
  });
});
