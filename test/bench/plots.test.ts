// The benchmark's plots: the quality-against-NFE front, one point per method and family colours, labels laid out
// without overlapping, the ablation figures a run's methods call for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Element } from '@xmldom/xmldom';
import { benchPlots, frontIndices, PLOT_DATA_FORMAT, qualityVsNfeSpec, type PlotData, type PlotMethod } from '../../src/bench/plots.js';
import { vegaLiteSvg } from '../../src/bench/svg.js';
import { markItems, markNames, parseSvg, translation } from '../helpers/svg.js';

const v = (mean: number, half = 0.05) => ({ mean, lo: mean - half, hi: mean + half });

function method(id: string, family: PlotMethod['family'], nfe: number, validity: number, extra: Partial<PlotMethod> = {}): PlotMethod {
  return { id, group: 'baseline', family, nfe, metrics: { validity: v(validity), lawResidualPx: v(0.5 - validity / 4, 0.02), winRate: v(validity - 0.1), bgShift: v(0.3) }, ...extra };
}

// Six methods at NFE 32 within 6 points of validity: drawn at their points, their labels would overlap.
const METHODS: PlotMethod[] = [
  { ...method('default', 'default', 20, 0.68), metrics: { validity: v(0.68), lawResidualPx: v(0.35), bgShift: { mean: 0 } } },
  method('euler', 'default', 20, 0.65),
  method('nfe2', 'more-nfe', 40, 0.7),
  method('restart', 'more-nfe', 32, 0.6),
  method('pnp', 'pnp', 32, 0.86, { group: 'pnp', params: { K: 2, tau: 0.25 } }),
  method('pnp-k2-nomask', 'pnp', 32, 0.88, { group: 'pnp-nomask', params: { K: 2, tau: 0 } }),
  method('pnp-k3-nomask', 'pnp', 38, 0.82, { group: 'pnp-nomask', params: { K: 3, tau: 0 } }),
  method('pnp-tau0.15', 'pnp', 32, 0.85, { group: 'pnp-mask', params: { K: 2, tau: 0.15 } }),
  method('pnp-tau0.4', 'pnp', 32, 0.84, { group: 'pnp-mask', params: { K: 2, tau: 0.4 } }),
  method('freeinit', 'more-nfe', 32, 0.83, { metrics: { validity: v(0.83), lawResidualPx: { mean: NaN }, winRate: v(0.3) } }),
  method('bo4-oracle', 'best-of-n', 80, 0.89, { candidates: 4 }),
];
const DATA: PlotData = { format: PLOT_DATA_FORMAT, source: 'test', model: 'm-1', where: 'tasks <&>', methods: METHODS };

test('the front keeps the methods no method with at most the same NFE beats, ties included', () => {
  const pts = [
    { nfe: 20, mean: 0.6 },
    { nfe: 20, mean: 0.5 },
    { nfe: 32, mean: 0.8 },
    { nfe: 40, mean: 0.7 },
    { nfe: 80, mean: 0.8 },
    { nfe: 32, mean: 0.8 },
    { nfe: 19, mean: 0.55 },
  ];
  assert.deepEqual(frontIndices(pts, true), [0, 2, 5, 6]);
  // Lower is better: the cheapest point is on the front whatever its value; 0.5 at NFE 20 beats 0.55 at 19 only in value.
  assert.deepEqual(frontIndices(pts, false), [1, 6]);
});

test('quality against NFE: one point per method in each panel, family colours, a front line, escaped text', async () => {
  const doc = parseSvg(await vegaLiteSvg(qualityVsNfeSpec(DATA)));
  const panels = markNames(doc, 'mark-symbol');
  assert.equal(panels.length, 3, 'validity, law residual and win rate panels');
  // Law residual: freeinit has none; win rate: the default has none (it is the reference).
  assert.deepEqual(
    panels.map((name) => markItems(doc, 'mark-symbol', name).length),
    [METHODS.length, METHODS.length - 1, METHODS.length - 1],
  );
  const fills = new Set(markItems(doc, 'mark-symbol', panels[0]).map((p) => p.getAttribute('fill')));
  assert.deepEqual([...fills].sort(), ['#1f77b4', '#555555', '#8e44ad', '#e6550d']);
  assert.equal(markItems(doc, 'mark-line').length, 3, 'a front line in each panel');
  const text = doc.documentElement?.textContent ?? '';
  assert.match(text, /Quality against NFE \(m-1, tasks <&>\)/);
  assert.match(text, /best-of-4/, 'the legend names the best-of-N family with its N');
  assert.doesNotMatch(doc.toString(), /NaN/);
});

test('point labels are laid out clear of each other, and a crowded panel still labels most points', async () => {
  const doc = parseSvg(await vegaLiteSvg(qualityVsNfeSpec(DATA)));
  const labelMarks = markNames(doc, 'mark-text').filter((n) => !n.endsWith('_halo'));
  assert.equal(labelMarks.length, 3);
  for (const name of labelMarks) {
    const shown = markItems(doc, 'mark-text', name).filter((t) => t.getAttribute('opacity') !== '0');
    assert.ok(shown.length >= 6, `${name}: ${shown.length} labels shown`);
    // Boxes a little smaller than the text (0.45 em per character, 0.8 em tall): any overlap is a real one.
    const box = (t: Element) => {
      const { x, y } = translation(t);
      const size = parseFloat(t.getAttribute('font-size') ?? '10');
      const w = 0.45 * size * (t.textContent ?? '').length;
      const anchor = t.getAttribute('text-anchor') ?? 'start';
      const x0 = anchor === 'end' ? x - w : anchor === 'middle' ? x - w / 2 : x;
      return { x0, x1: x0 + w, y0: y - 0.7 * size, y1: y + 0.1 * size, label: t.textContent };
    };
    const boxes = shown.map(box);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        const overlap = a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
        assert.ok(!overlap, `${name}: "${a.label}" overlaps "${b.label}"`);
      }
    }
  }
});

test('the ablation figures follow the methods a run has; τ ticks keep two decimals', async () => {
  const plots = await benchPlots(DATA);
  assert.deepEqual(Object.keys(plots).sort(), ['ablation-k.svg', 'ablation-tau.svg', 'quality-vs-nfe.svg']);
  const tau = parseSvg(plots['ablation-tau.svg']);
  const pointLabels = markItems(tau, 'mark-text').map((t) => t.textContent);
  assert.equal(markItems(tau, 'mark-symbol').length, 3 * 4, 'τ 0, 0.15, 0.25 and 0.4 in each of three panels');
  const axisLabels = Array.from(tau.getElementsByTagName('text')).map((t) => t.textContent);
  for (const t of ['0.15', '0.25', '0.4']) assert.ok(axisLabels.includes(t), `tick ${t}`);
  assert.ok(pointLabels.includes('default'), 'the default P&P is marked');
  const k = parseSvg(plots['ablation-k.svg']);
  assert.equal(markItems(k, 'mark-symbol').length, 2 * 2, 'K = 2 and 3 in two panels');
  const none = await benchPlots({ ...DATA, methods: METHODS.filter((m) => m.group === 'baseline') });
  assert.deepEqual(Object.keys(none), ['quality-vs-nfe.svg']);
});
