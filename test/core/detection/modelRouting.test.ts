import { describe, expect, it } from 'vitest';
import { bestScoreFor, countRoute, ladderFor, nextStep, routeTask, RoutingCounts, verdictOf, type RoutableModel } from '../../../agent/core/detection/modelRouting.ts';
import type { Detection } from '../../../agent/ports/detector.ts';

const coco = new Set(['car', 'truck', 'person', 'bench']);
const yolox: RoutableModel = { name: 'yolox_nano_416_coco', classes: coco, costMs: 25 };
const picodet: RoutableModel = { name: 'picodet_s_416_coco_legacy', classes: coco, costMs: 60 };
const tiles: RoutableModel = { name: 'yolox_nano_416_coco@tiles', classes: coco, costMs: 150 };
const plates: RoutableModel = { name: 'hyperlpr3_y5fu_640x_sim', classes: new Set(['plate']), costMs: 70 };
const all = [tiles, plates, picodet, yolox];

describe('ladderFor', () => {
  it.each([
    ['COCO classes: cheapest first', ['car'], ['yolox_nano_416_coco', 'picodet_s_416_coco_legacy', 'yolox_nano_416_coco@tiles']],
    ['a class only the plate model answers', ['plate'], ['hyperlpr3_y5fu_640x_sim']],
    ['classes no single model answers together', ['car', 'plate'], []],
    ['an unknown class', ['giraffe'], []],
  ])('%s', (_name, lookFor, names) => {
    expect(ladderFor(lookFor, all).map((m) => m.name)).toEqual(names);
  });
});

describe('verdictOf: minConfidence 0.4 ± 0.1', () => {
  it.each([
    [0.9, 'found'],
    [0.5, 'found'],
    [0.49, 'unsure'],
    [0.4, 'unsure'],
    [0.3, 'unsure'],
    [0.29, 'not_found'],
    [0, 'not_found'],
  ])('best score %s → %s', (score, verdict) => {
    expect(verdictOf(score, 0.4, 0.1)).toBe(verdict);
  });
});

describe('nextStep', () => {
  const ladder = [yolox, picodet, tiles];
  it.each<[string, number[], string]>([
    ['nothing asked yet: the cheapest', [], 'ask yolox_nano_416_coco'],
    ['a sure find stops there', [0.8], 'found'],
    ['a sure miss stops there', [0.05], 'not_found'],
    ['unsure: the next model', [0.42], 'ask picodet_s_416_coco_legacy'],
    ['unsure twice: the third', [0.42, 0.35], 'ask yolox_nano_416_coco@tiles'],
    ['the second model is sure', [0.42, 0.71], 'found'],
    ['the second model is sure of a miss', [0.42, 0.1], 'not_found'],
    ['unsure at the top of the ladder: uncertain', [0.42, 0.35, 0.45], 'uncertain'],
  ])('%s', (_name, scores, expected) => {
    const step = nextStep(ladder, scores, 0.4, 0.1);
    expect('ask' in step ? `ask ${step.ask.name}` : step.outcome).toBe(expected);
  });

  it('no model answers the task: uncertain, never found', () => {
    expect(nextStep([], [], 0.4, 0.1)).toEqual({ outcome: 'uncertain' });
  });
});

describe('RoutingCounts', () => {
  it('counts per task and model; escalations and outcomes add up', () => {
    const counts = new RoutingCounts();
    const ladder = [yolox, picodet];
    const frames: [string, number[]][] = [
      ['bins', [0.9]],
      ['bins', [0.45, 0.8]],
      ['bins', [0.45, 0.42]],
      ['bins', [0.1]],
      ['permit', [0.35, 0.05]],
    ];
    for (const [taskId, scores] of frames) {
      for (let i = 0; ; i++) {
        const step = nextStep(ladder, scores.slice(0, i), 0.4, 0.1);
        if ('outcome' in step) {
          counts.recordOutcome(taskId, step.outcome);
          break;
        }
        const verdict = verdictOf(scores[i]!, 0.4, 0.1);
        const escalates = 'ask' in nextStep(ladder, scores.slice(0, i + 1), 0.4, 0.1);
        counts.recordAnswer(taskId, step.ask.name, verdict, 10, escalates);
      }
    }
    const snap = counts.snapshot();
    expect(snap.bins!.outcomes).toEqual({ found: 2, not_found: 1, uncertain: 1 });
    expect(snap.bins!.models.yolox_nano_416_coco).toEqual({ asked: 4, found: 1, notFound: 1, unsure: 2, escalated: 2, ms: 40 });
    expect(snap.bins!.models.picodet_s_416_coco_legacy).toEqual({ asked: 2, found: 1, notFound: 0, unsure: 1, escalated: 0, ms: 20 });
    expect(snap.permit!.outcomes).toEqual({ found: 0, not_found: 1, uncertain: 0 });
    // Every escalation from one model is a question to the next.
    expect(snap.bins!.models.yolox_nano_416_coco!.escalated).toBe(snap.bins!.models.picodet_s_416_coco_legacy!.asked);
    counts.forget('bins');
    expect(Object.keys(counts.snapshot())).toEqual(['permit']);
  });
});

const seen = (label: string, score: number): Detection => ({ label, score, box: { x1: 0, y1: 0, x2: 1, y2: 1 }, detector: 'any' });

describe('routeTask: one task on one frame, models run once and shared', () => {
  const ladder = [yolox, picodet];

  it('the best score among the task\'s own classes only', () => {
    expect(bestScoreFor(['car', 'truck'], [seen('person', 0.99), seen('car', 0.3), seen('truck', 0.6), seen('car', 0.5)])).toBe(0.6);
    expect(bestScoreFor(['bench'], [seen('car', 0.9)])).toBe(0);
  });

  it('asks the cheapest model first, and only it while it is sure', () => {
    expect(routeTask(['car'], 0.4, 0.1, ladder, () => undefined)).toEqual({ ask: yolox });
    const answered = new Map([[yolox.name, [seen('car', 0.8)]]]);
    expect(routeTask(['car'], 0.4, 0.1, ladder, (m) => answered.get(m))).toEqual({
      route: { outcome: 'found', decidedBy: yolox.name, answers: [{ model: yolox.name, bestScore: 0.8, verdict: 'found', escalated: false }] },
    });
  });

  it('an unsure answer asks the second model, whose answer stands', () => {
    const answered = new Map<string, Detection[]>([[yolox.name, [seen('car', 0.45)]]]);
    expect(routeTask(['car'], 0.4, 0.1, ladder, (m) => answered.get(m))).toEqual({ ask: picodet });
    answered.set(picodet.name, [seen('car', 0.2)]);
    const step = routeTask(['car'], 0.4, 0.1, ladder, (m) => answered.get(m));
    expect(step).toEqual({
      route: {
        outcome: 'not_found',
        decidedBy: picodet.name,
        answers: [
          { model: yolox.name, bestScore: 0.45, verdict: 'unsure', escalated: true },
          { model: picodet.name, bestScore: 0.2, verdict: 'not_found', escalated: false },
        ],
      },
    });
  });

  it('unsure with no second model (PicoDet missing): uncertain, decided by the one model', () => {
    const step = routeTask(['car'], 0.4, 0.1, [yolox], () => [seen('car', 0.35)]);
    expect(step).toMatchObject({ route: { outcome: 'uncertain', decidedBy: yolox.name, answers: [{ verdict: 'unsure', escalated: false }] } });
  });

  it('no model answers the classes: uncertain, nobody asked', () => {
    expect(routeTask(['plate'], 0.4, 0.1, ladderFor(['plate'], ladder), () => [])).toEqual({ route: { outcome: 'uncertain', decidedBy: null, answers: [] } });
  });

  it('countRoute: asked = found + notFound + unsure per model; escalated of the first = asked of the second; ms per model', () => {
    const counts = new RoutingCounts();
    const scores: [number, number][] = [[0.9, 0], [0.45, 0.7], [0.35, 0.1], [0.42, 0.44], [0.05, 0]];
    for (const [first, second] of scores) {
      const answered = new Map<string, Detection[]>([[yolox.name, [seen('car', first)]], [picodet.name, [seen('car', second)]]]);
      const step = routeTask(['car'], 0.4, 0.1, ladder, (m) => answered.get(m));
      if (!('route' in step)) throw new Error('both models answered');
      countRoute(counts, 'bins', step.route, (m) => (m === yolox.name ? 8 : 18));
    }
    const { outcomes, models } = counts.snapshot().bins!;
    expect(outcomes).toEqual({ found: 2, not_found: 2, uncertain: 1 });
    const y = models[yolox.name]!;
    const p = models[picodet.name]!;
    expect(y).toEqual({ asked: 5, found: 1, notFound: 1, unsure: 3, escalated: 3, ms: 40 });
    expect(p).toEqual({ asked: 3, found: 1, notFound: 1, unsure: 1, escalated: 0, ms: 54 });
    for (const c of [y, p]) expect(c.found + c.notFound + c.unsure).toBe(c.asked);
    expect(y.escalated).toBe(p.asked);
  });
});
