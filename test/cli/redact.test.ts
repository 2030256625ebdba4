// `tilsyn redact`: redacted copies and a record of what was blurred; bad images skipped, bad models refused.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { expect, it } from 'vitest';
import type { RedactionRecord } from '../../agent/cli/redact.ts';
import { decodeGray, judgeBox, laplacian } from '../support/detail.ts';
import { describeWithInputs } from '../support/inputs.ts';
import { offlineConfigLines } from '../support/offlineConfig.ts';
import { TILTED_CAMERA, TILTED_SOURCE, TILTED_TRUTH, tiltedFrame } from '../support/tiltedFrame.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const modelsDir = path.join(repoRoot, 'models');
const evalDir = path.join(repoRoot, '../shared/eval/plates-openalpr-eu');
const TIMEOUT_MS = 180_000;

function tilsyn(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'agent/main.ts', ...args], { cwd: repoRoot, timeout: TIMEOUT_MS }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const work = () => mkdtempSync(path.join(tmpdir(), 'tilsyn-redact-'));
const records = (dir: string) =>
  readFileSync(path.join(dir, 'redactions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RedactionRecord);

/** A synthetic photo (no person in it) carrying EXIF with GPS, XMP and an ICC profile, like a phone's. */
async function photoWithMetadata(file: string): Promise<void> {
  const noise = Buffer.alloc(640 * 480 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  await sharp(noise, { raw: { width: 640, height: 480, channels: 3 } })
    .withExif({ IFD0: { Make: 'TestCam', Copyright: 'someone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '55/1 41/1 0/1' } })
    .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>')
    .withIccProfile('p3')
    .jpeg()
    .toFile(file);
}

describeWithInputs('tilsyn redact', [evalDir], () => {
  it('writes redacted images and redactions.jsonl; an unreadable image is reported, skipped, and the exit is non-zero', async () => {
    const dir = work();
    const out = path.join(dir, 'out');
    const inputs = ['eu1.jpg', 'eu10.jpg'].map((f) => path.join(evalDir, f));
    const corrupt = path.join(dir, 'corrupt.jpg');
    writeFileSync(corrupt, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]));
    const meta = path.join(dir, 'phone.jpg');
    await photoWithMetadata(meta);
    const r = await tilsyn('redact', '--out', out, inputs[0]!, corrupt, inputs[1]!, path.join(dir, 'absent.jpg'), meta);

    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`skipped ${corrupt}`);
    expect(r.stderr).toContain('absent.jpg');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(readdirSync(out).sort()).toEqual(['eu1.jpg', 'eu10.jpg', 'phone.jpg', 'redactions.jsonl']);

    const lines = records(out);
    expect(lines.map((l) => path.basename(l.image))).toEqual(['eu1.jpg', 'corrupt.jpg', 'eu10.jpg', 'absent.jpg', 'phone.jpg']);
    expect(lines[1]!.error).toMatch(/unreadable image/);
    const truth = JSON.parse(readFileSync(path.join(evalDir, 'boxes.json'), 'utf8')) as { image: string; boxes: number[][] }[];
    for (const [i, name] of [[0, 'eu1.jpg'], [2, 'eu10.jpg']] as const) {
      const rec = lines[i]!;
      expect(rec.output).toBe(name);
      expect(rec.ms).toBeGreaterThan(0);
      expect(rec.regions!.some((g) => g.kind === 'plate' && g.detector.startsWith('hyperlpr3_y5fu'))).toBe(true);
      // The annotated plate really lost its detail in the written file.
      const before = await decodeGray(path.join(evalDir, name));
      const after = await decodeGray(path.join(out, name));
      const box = truth.find((t) => t.image === name)!.boxes[0]!;
      expect(judgeBox(before, after, laplacian(before), laplacian(after), box).redacted).toBe(true);
    }
    // Only what the agent adds: no EXIF (GPS, camera), no XMP, no ICC profile from the input.
    const m = await sharp(path.join(out, 'phone.jpg')).metadata();
    expect([m.exif, m.xmp, m.icc, m.iptc]).toEqual([undefined, undefined, undefined, undefined]);
  }, TIMEOUT_MS);

  it('refuses to start with a missing model: clear error, exit non-zero, nothing written', async () => {
    const dir = work();
    const out = path.join(dir, 'out');
    const r = await tilsyn('redact', '--models-dir', path.join(dir, 'no-models'), '--out', out, path.join(evalDir, 'eu1.jpg'));
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/cannot load the redaction models: model file .*no-models.* is missing — run scripts\/fetch-models\.sh/);
    expect(existsSync(out)).toBe(false);
  }, TIMEOUT_MS);

  it('refuses a corrupt model (sha256 mismatch) before onnxruntime loads it', async () => {
    const dir = work();
    const models = path.join(dir, 'models');
    mkdirSync(models);
    for (const f of readdirSync(modelsDir).filter((f) => f.endsWith('.onnx'))) symlinkSync(path.join(modelsDir, f), path.join(models, f));
    // The face model replaced by its first half, as an interrupted download leaves it.
    const face = readdirSync(modelsDir).find((f) => f.startsWith('yunet'))!;
    const bytes = readFileSync(path.join(modelsDir, face));
    rmSync(path.join(models, face));
    writeFileSync(path.join(models, face), bytes.subarray(0, bytes.length >> 1));
    const out = path.join(dir, 'out');
    const r = await tilsyn('redact', '--models-dir', models, '--out', out, path.join(evalDir, 'eu1.jpg'));
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/has sha256 [0-9a-f]{64} but the manifest expects/);
    expect(existsSync(out)).toBe(false);
  }, TIMEOUT_MS);

  it('fails closed on time: an image whose redaction overruns --deadline-ms is not written', async () => {
    const dir = work();
    const out = path.join(dir, 'out');
    const r = await tilsyn('redact', '--deadline-ms', '1', '--out', out, path.join(evalDir, 'eu1.jpg'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/over the 1 ms deadline/);
    expect(readdirSync(out)).toEqual(['redactions.jsonl']);
    expect(records(out)[0]!.error).toMatch(/deadline/);
  }, TIMEOUT_MS);
});

describeWithInputs('tilsyn redact --config: as the vehicle redacts', [TILTED_TRUTH, TILTED_SOURCE], () => {
  const vehicleConfig = (dir: string, extra: string[]): string => {
    const file = path.join(dir, 'agent.yaml');
    writeFileSync(file, offlineConfigLines([`models: { dir: ${JSON.stringify(modelsDir)} }`, ...extra]));
    return file;
  };

  it("places the rows searched for far faces by the configured camera's geometry", async () => {
    const dir = work();
    const { jpeg, faces } = await tiltedFrame();
    const input = path.join(dir, 'tilted.jpg');
    writeFileSync(input, jpeg);
    const { fovDeg, mountHeightM, pitchDeg } = TILTED_CAMERA;
    const config = vehicleConfig(dir, [`camera: { source: test, fovDeg: ${fovDeg}, mountHeightM: ${mountHeightM}, pitchDeg: ${pitchDeg} }`]);
    const blurred = async (out: string) => {
      const before = await decodeGray(input);
      const after = await decodeGray(path.join(out, 'tilted.jpg'));
      const [lb, la] = [laplacian(before), laplacian(after)];
      return faces.filter((b) => judgeBox(before, after, lb, la, b).redacted).length;
    };
    const asVehicle = await tilsyn('redact', '--config', config, '--out', path.join(dir, 'vehicle'), input);
    expect(asVehicle.status, asVehicle.stderr).toBe(0);
    const asPhoto = await tilsyn('redact', '--out', path.join(dir, 'photo'), input);
    expect(asPhoto.status, asPhoto.stderr).toBe(0);
    const [withGeometry, withFixedRows] = [await blurred(path.join(dir, 'vehicle')), await blurred(path.join(dir, 'photo'))];
    // As the redactor's own test measures: 9 and 7 of 11.
    expect(withGeometry).toBeGreaterThanOrEqual(9);
    expect(withGeometry).toBeGreaterThan(withFixedRows);
  }, 2 * TIMEOUT_MS);

  it('refuses a bad configuration before it reads an image: the key named, exit 2, nothing written', async () => {
    const dir = work();
    const config = vehicleConfig(dir, ['camera: { source: test }', 'redaction: { style: smear }']);
    const out = path.join(dir, 'out');
    const r = await tilsyn('redact', '--config', config, '--out', out, TILTED_SOURCE);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('redaction.style');
    expect(existsSync(out)).toBe(false);
  }, TIMEOUT_MS);
});
