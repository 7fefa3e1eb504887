// Draws the benchmark's plots (quality-vs-nfe.svg, ablation-*.svg) into OUT_DIR from either a bench run's
// results.json or the plotted extract docs/results/data/*.json keeps of one. From a results.json it also writes
// that extract to OUT_DIR/data/SUITE.json, so the committed pictures can be redrawn without the run.
//   npm run -s build && node scripts/plots.mjs bench-results/paper/results.json docs/results
//   npm run -s build && node scripts/plots.mjs docs/results/data/paper.json docs/results
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../dist/src/io/atomic.js';
import { RESULTS_FORMAT } from '../dist/src/bench/bench.js';
import { benchPlots, plotData, PLOT_DATA_FORMAT } from '../dist/src/bench/plots.js';
import { headlineGroup } from '../dist/src/bench/report.js';

const [input, outDir] = process.argv.slice(2);
if (input === undefined || outDir === undefined) {
  console.error('usage: node scripts/plots.mjs RESULTS_OR_PLOT_DATA.json OUT_DIR');
  process.exit(2);
}
const json = JSON.parse(readFileSync(input, 'utf8'));
let data;
if (json.format === RESULTS_FORMAT) {
  data = plotData(json, headlineGroup(json));
  const dataFile = join(outDir, 'data', `${json.suite}.json`);
  writeFileAtomic(dataFile, `${JSON.stringify(data, null, 1)}\n`);
  console.log(dataFile);
} else if (json.format === PLOT_DATA_FORMAT) {
  data = json;
} else {
  console.error(`plots: ${input} is neither a bench results.json (${RESULTS_FORMAT}) nor plot data (${PLOT_DATA_FORMAT}); pass one of those`);
  process.exit(2);
}
for (const [name, svg] of Object.entries(await benchPlots(data))) {
  writeFileAtomic(join(outDir, name), svg);
  console.log(join(outDir, name));
}
