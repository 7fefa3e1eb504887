// Vega-Lite specs rendered to SVG in Node by Vega's headless renderer: no browser and no canvas package.
import * as vega from 'vega';
import type { Mark, SignalRef, Spec } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Give a text mark this style (`mark: { type: 'text', style: POINT_LABEL_STYLE }`) to have Vega place its labels
 * around their points without overlapping each other or the points; a label with no free place is hidden.
 * Vega-Lite has no label transform of its own, so it is added to the compiled Vega spec.
 */
export const POINT_LABEL_STYLE = 'point-label';

/** Label positions tried in order: beside the point first, then above and below, then the corners. */
const LABEL_ANCHORS = ['right', 'left', 'top', 'bottom', 'top-right', 'bottom-right', 'top-left', 'bottom-left'] as const;

type Size = readonly [SignalRef, SignalRef];

/** The part of Vega's text measurement this module replaces (vega exports it, its typings do not declare it). */
interface TextMetrics {
  width: (item: { readonly fontSize?: number }, text: unknown) => number;
}

/**
 * Advance widths of Helvetica / Arial in em by character class, plus 10 % for wider fallback fonts. Without a
 * canvas Vega estimates every character at 0.8 em, 1.5× these fonts' average, so the label layout leaves out
 * labels that fit and legends and titles get needlessly wide.
 */
function helveticaWidth(item: { readonly fontSize?: number }, text: unknown): number {
  const em = item.fontSize ?? 11;
  let w = 0;
  for (const ch of String(text ?? '')) {
    if ("il.,:;|!'".includes(ch)) w += 0.28;
    else if ('fjrt-()[] '.includes(ch)) w += 0.34;
    else if (/[A-Zmw%&]/.test(ch)) w += 0.78;
    else w += 0.56;
  }
  return 1.1 * w * em;
}

/** Use helveticaWidth for every text Vega measures while laying out (idempotent). */
function useHelveticaMetrics(): void {
  (vega as unknown as { textMetrics: TextMetrics }).textMetrics.width = helveticaWidth;
}

function hasStyle(mark: Mark, style: string): boolean {
  return Array.isArray(mark.style) ? mark.style.includes(style) : mark.style === style;
}

/** The width and height signals a group mark gives its children (Vega-Lite sets both as signal references). */
function groupSize(mark: Mark, outer: Size): Size {
  const update = mark.encode?.update;
  const w = update?.width;
  const h = update?.height;
  const isSignal = (v: unknown): v is SignalRef => typeof v === 'object' && v !== null && 'signal' in v;
  return [isSignal(w) ? w : outer[0], isSignal(h) ? h : outer[1]];
}

/** Vega's label transform, placing labels within a panel of the given size. */
function labelTransform(size: Size): NonNullable<Mark['transform']> {
  // avoidBaseMark makes each label keep clear of every labelled point (the text's own x, y).
  return [
    {
      type: 'label',
      size: [size[0], size[1]],
      anchor: [...LABEL_ANCHORS],
      offset: [4],
      avoidBaseMark: true,
      sort: { field: 'datum.labelPriority', order: 'ascending' },
    },
  ];
}

/**
 * Lay out every text mark styled POINT_LABEL_STYLE with the label transform, bounded by its enclosing panel, and
 * draw a white halo under it (the same labels, stroked, placed by the same deterministic layout) so that lines and
 * error bars crossing a label do not hide it.
 */
function addLabelLayout(marks: Mark[] | undefined, size: Size): void {
  if (marks === undefined) return;
  for (let i = 0; i < marks.length; i++) {
    const mark = marks[i];
    if (mark.type === 'group') addLabelLayout(mark.marks, groupSize(mark, size));
    else if (mark.type === 'text' && hasStyle(mark, POINT_LABEL_STYLE)) {
      mark.transform = labelTransform(size);
      const halo: Mark = structuredClone(mark);
      halo.name = `${mark.name ?? 'labels'}_halo`;
      halo.encode = { ...halo.encode, update: { ...halo.encode?.update, stroke: { value: 'white' }, strokeWidth: { value: 3 }, strokeOpacity: { value: 0.9 } } };
      marks.splice(i, 0, halo);
      i++;
    }
  }
}

/** Coordinates to 0.01 px inside tags (Vega writes them to 15 digits, a third of a plot's bytes); text is kept. */
function roundCoordinates(svg: string): string {
  return svg.replace(/<[^>]+>/g, (tag) => tag.replace(/-?\d+\.\d{3,}/g, (n) => String(Number(Number(n).toFixed(2)))));
}

/** A Vega-Lite spec as a standalone SVG document. */
export async function vegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const vg: Spec = compile(spec).spec;
  addLabelLayout(vg.marks, [{ signal: 'width' }, { signal: 'height' }]);
  useHelveticaMetrics();
  const view = new vega.View(vega.parse(vg), { renderer: 'none' });
  try {
    return roundCoordinates(await view.toSVG());
  } finally {
    view.finalize();
  }
}
