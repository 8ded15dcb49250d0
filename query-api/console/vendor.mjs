// Copies the chart library from node_modules (npm ci, versions pinned in package-lock.json) into the
// service's resources, where the console loads it from the query API itself: no CDN, no separate server.
// Run after changing the uplot version: npm ci && npm run vendor, and commit the copied files.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, '..', 'src', 'main', 'resources', 'org', 'compliancepipeline', 'query', 'console');
mkdirSync(target, { recursive: true });
for (const [from, to] of [['uPlot.iife.min.js', 'uplot.min.js'], ['uPlot.min.css', 'uplot.min.css']]) {
  copyFileSync(join(here, 'node_modules', 'uplot', 'dist', from), join(target, to));
  console.log(`vendored uplot/dist/${from} -> ${to}`);
}
