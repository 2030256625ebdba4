import { copyFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSession, readManifest } from '../../agent/adapters/modelFiles.ts';
import { createRedactor } from '../../agent/adapters/createRedactor.ts';
import { YoloxDetector } from '../../agent/adapters/detectors/yoloxDetector.ts';

const modelsDir = new URL('../../models/', import.meta.url).pathname;
let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

async function modelsCopy(): Promise<string> {
  dir = await mkdtemp(path.join(tmpdir(), 'tilsyn-models-'));
  for (const m of readManifest()) if (!m.optional) await copyFile(path.join(modelsDir, m.file), path.join(dir, m.file));
  return dir;
}

describe('model files fail closed', () => {
  it('loads a verified model and reports its manifest name and sha256', async () => {
    const m = await loadSession(modelsDir, 'yolox_nano_416_coco', 1);
    expect(m.info.name).toBe('yolox_nano_416_coco');
    expect(m.info.sha256).toMatch(/^[0-9a-f]{64}$/);
    await m.session.release();
  });

  it('refuses a truncated model before onnxruntime loads it', async () => {
    const d = await modelsCopy();
    await truncate(path.join(d, 'yolox_nano_416_coco.onnx'), 1000);
    const detector = new YoloxDetector({ modelsDir: d, threads: 1 });
    await expect(detector.start()).rejects.toThrow(/yolox_nano_416_coco\.onnx.*sha256.*fetch-models\.sh/s);
  });

  it('refuses a model whose bytes differ from the manifest (same size)', async () => {
    const d = await modelsCopy();
    const file = path.join(d, 'yunet_n_dynamic.onnx');
    const bytes = await readFile(file);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    await writeFile(file, bytes);
    const redactor = createRedactor({ jpegQuality: 80 }, { dir: d, threads: 1 });
    await expect(redactor.start()).rejects.toThrow(/yunet_n_dynamic\.onnx.*manifest expects/s);
  });

  it('names a missing model file and the fix', async () => {
    const d = await modelsCopy();
    await rm(path.join(d, 'hyperlpr3_y5fu_320x_sim.onnx'));
    const redactor = createRedactor({ jpegQuality: 80 }, { dir: d, threads: 1 });
    await expect(redactor.start()).rejects.toThrow(/hyperlpr3_y5fu_320x_sim\.onnx.*missing.*fetch-models\.sh/s);
  });

  it('a redactor that never started refuses to redact', async () => {
    const redactor = createRedactor({ jpegQuality: 80 }, { dir: modelsDir, threads: 1 });
    const frame = { data: Buffer.alloc(32 * 32 * 3), width: 32, height: 32, capturedAtMs: 0 };
    await expect(redactor.redact(frame, [])).rejects.toThrow(/before start/);
  });
});
