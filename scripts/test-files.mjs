// The test files npm test runs: every test/**/*.test.ts, except those that
// test/bundles.json runs together in one process, whose bundle files
// (test/bundles/<group>.test.ts) run in their place. Printed one per line,
// for `node --test $(node scripts/test-files.mjs)`.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('../test/', import.meta.url).pathname;
const groups = JSON.parse(readFileSync(join(root, 'bundles.json'), 'utf8'));
const bundled = new Set(
  Object.entries(groups)
    .filter(([, files]) => Array.isArray(files))
    .flatMap(([, files]) => files.map((f) => `${f}.test.ts`)),
);

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

const files = walk(root)
  .map((f) => relative(root, f))
  .filter((f) => !bundled.has(f))
  .sort();
console.log(files.map((f) => `test/${f}`).join('\n'));
