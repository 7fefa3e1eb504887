// Export a physics-world dataset with only Node and the built dist/ (no CLI dependencies but zod): what
// device_train.sh runs on a GPU machine that has no npm install. Same output as
// `selfrefine world export --clips N --seed S --out DIR`.
//   node training/export_world.mjs DIR CLIPS SEED
import { exportDataset } from '../dist/src/world/dataset/export.js';

const [dir, clips, seed] = process.argv.slice(2);
if (dir === undefined || clips === undefined || seed === undefined) {
  console.error('usage: node training/export_world.mjs DIR CLIPS SEED');
  process.exit(2);
}
const result = exportDataset(dir, { clips: Number(clips), seed: Number(seed) });
console.log(`${dir}: ${result.clips} clips in ${result.shards.length} shards, ${result.seconds.toFixed(1)} s`);
