// Annotated street frames (../shared/eval/dashcam-dev) as a camera for end-to-end tests, and the pixel verdict on an
// image the agent made from one of them: is every annotated face and plate redacted?
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { decodeGray, judgeBox, laplacian } from './detail.ts';
import { sharedFile } from './inputs.ts';
import { closestSource } from './sourceMatch.ts';

export const ANNOTATED_DIR = sharedFile('eval/dashcam-dev');

/** Dashcam frames (1920×1080) with cars, faces and plates; the camera plays them in a loop. */
export const STREET_FRAMES = [
  '02171daf-c3f8-4753-9c10-905bde3a920a.jpg',
  '1ab7ce68-b8c9-4c45-a513-d3fa8b8b0b65.jpg',
  '59578a27-3a19-479a-9fbf-53e616139cde.jpg',
];

/** What a test that drives past these frames needs (for describeWithInputs). */
export const ANNOTATED_INPUTS = ['boxes-face.json', 'boxes-plate.json', ...STREET_FRAMES].map((f) => path.join(ANNOTATED_DIR, f));

/** Ground-truth boxes at least this high must be redacted in every stored or uploaded frame. */
export const MIN_BOX_HEIGHT_PX = 20;

/** A folder of links to the annotated frames, for `camera.source: file`: inputs only, no copies of their pixels. */
export function linkStreetFrames(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const f of STREET_FRAMES) symlinkSync(path.join(ANNOTATED_DIR, f), path.join(dir, f));
  return dir;
}

interface Truth {
  image: string;
  boxes: number[][];
  class: string;
}

let truth: Truth[] | null = null;
function annotations(): Truth[] {
  truth ??= ['boxes-face.json', 'boxes-plate.json'].flatMap((f) => JSON.parse(readFileSync(path.join(ANNOTATED_DIR, f), 'utf8')) as Truth[]);
  return truth;
}

export interface RedactionVerdict {
  /** The camera frame the image was made from, and how far its thumbnail is from it (mean grey levels). */
  readonly source: string;
  readonly meanDiff: number;
  /** Annotated boxes judged, and those whose detail survived (with their detail ratio). */
  readonly judged: number;
  readonly unredacted: string[];
}

/** Matches `jpeg` back to its street frame and judges every annotated face and plate of it from the pixels. */
export async function judgeRedaction(jpeg: Buffer): Promise<RedactionVerdict> {
  const { source, meanDiff } = await closestSource(jpeg, STREET_FRAMES.map((f) => path.join(ANNOTATED_DIR, f)));
  const before = await decodeGray(source);
  const after = await decodeGray(jpeg);
  const lapBefore = laplacian(before);
  const lapAfter = laplacian(after);
  let judged = 0;
  const unredacted: string[] = [];
  for (const entry of annotations().filter((t) => t.image === path.basename(source))) {
    for (const box of entry.boxes.filter((b) => b[3]! - b[1]! >= MIN_BOX_HEIGHT_PX)) {
      const verdict = judgeBox(before, after, lapBefore, lapAfter, box);
      judged += 1;
      if (!verdict.redacted) unredacted.push(`${entry.class} ${box.join(',')} in ${path.basename(source)}: detail ratio ${verdict.ratio.toFixed(2)}`);
    }
  }
  return { source, meanDiff, judged, unredacted };
}
