// A page for reviewers: every ground-truth box the redaction missed, drawn over the source image where it lies.
// The page only references images by path; it never writes a crop of unredacted pixels anywhere.
import type { BoxResult } from '../../agent/core/redaction/redactionScore.ts';

export interface MissedBox extends BoxResult {
  /** Link to the source image, relative to the page. */
  readonly sourceHref: string;
  /** Link to the redacted output, relative to the page. */
  readonly outputHref: string;
  readonly imageWidth: number;
  readonly imageHeight: number;
}

const VIEW_PX = 220;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * One view of the image, scaled so a context of 3× the box (at least 48 px) fills a VIEW_PX square, with the box
 * outlined in SVG. The browser crops with CSS (overflow hidden, the image shifted), so no crop file exists.
 */
function view(href: string, m: MissedBox, caption: string): string {
  const [x1, y1, x2, y2] = m.box as number[];
  const side = Math.max(48, 3 * Math.max(x2! - x1!, y2! - y1!));
  const scale = VIEW_PX / side;
  const left = (x1! + x2!) / 2 - side / 2;
  const top = (y1! + y2!) / 2 - side / 2;
  const px = (v: number) => `${Math.round(v * 100) / 100}px`;
  return `<figure><div class="view" style="width:${VIEW_PX}px;height:${VIEW_PX}px">` +
    `<img src="${escapeHtml(href)}" loading="lazy" alt="" style="left:${px(-left * scale)};top:${px(-top * scale)};width:${px(m.imageWidth * scale)};height:${px(m.imageHeight * scale)}">` +
    `<svg width="${VIEW_PX}" height="${VIEW_PX}"><rect x="${px((x1! - left) * scale)}" y="${px((y1! - top) * scale)}" ` +
    `width="${px((x2! - x1!) * scale)}" height="${px((y2! - y1!) * scale)}"/></svg></div><figcaption>${caption}</figcaption></figure>`;
}

/** The whole HTML page: a card per missed box, smallest boxes last, with the source and the output side by side. */
export function missedBoxesPage(title: string, missed: readonly MissedBox[]): string {
  const cards = [...missed]
    .sort((a, b) => b.heightPx - a.heightPx)
    .map((m) => {
      const v = m.verdict;
      const label = `${escapeHtml(m.kind)} ${Math.round(m.heightPx)} px high in ${escapeHtml(m.image)} — detail kept ${
        Number.isFinite(v.ratio) ? v.ratio.toFixed(2) : '∞'
      }, moved ${v.moved.toFixed(1)}`;
      return `<section class="card"><h2>${label}</h2>${view(m.sourceHref, m, 'source')}${view(m.outputHref, m, 'redacted output')}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;background:#f4f4f4}
.card{display:inline-block;vertical-align:top;background:#fff;margin:0 1em 1em 0;padding:.5em;border-radius:4px}
.card h2{font-size:12px;font-weight:normal;margin:0 0 .4em;max-width:${2 * VIEW_PX + 20}px}
figure{display:inline-block;margin:0 .5em 0 0}
figcaption{font-size:11px;color:#555}
.view{position:relative;overflow:hidden;background:#222}
.view img{position:absolute;max-width:none;image-rendering:pixelated}
.view svg{position:absolute;left:0;top:0}
.view rect{fill:none;stroke:#ff2d2d;stroke-width:2}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>${missed.length} ground-truth boxes kept their detail. Each is outlined in red on the source image (left) and on the redacted output (right).</p>
${cards}
</body></html>
`;
}
