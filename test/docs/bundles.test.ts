import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bundles } from '../helpers/bundles.js';

/**
 * npm test runs test/bundles.json's groups in one process each: no test
 * file may be left out, or run twice, by that arrangement.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const testDir = join(root, 'test');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

describe('npm test and test/bundles.json', () => {
  const groups = bundles();
  const listed = Object.values(groups).flat();

  it('every bundled file exists, is listed once, and each group has its bundle file', () => {
    for (const file of listed) assert.ok(existsSync(join(testDir, `${file}.test.ts`)), `test/${file}.test.ts`);
    assert.equal(new Set(listed).size, listed.length, 'a file listed twice');
    for (const group of Object.keys(groups)) assert.ok(existsSync(join(testDir, 'bundles', `${group}.test.ts`)), group);
  });

  it('scripts/test-files.mjs gives every other test file, and the bundles, once each', () => {
    const printed = execFileSync(process.execPath, [join(root, 'scripts', 'test-files.mjs')], { encoding: 'utf8' })
      .trim()
      .split('\n');
    const all = walk(testDir).map((f) => relative(root, f));
    const inBundles = new Set(listed.map((f) => `test/${f}.test.ts`));
    const expected = all.filter((f) => !inBundles.has(f)).sort();
    assert.deepEqual([...printed].sort(), expected);
    for (const group of Object.keys(groups)) assert.ok(printed.includes(`test/bundles/${group}.test.ts`), group);
    for (const f of inBundles) assert.ok(!printed.includes(f), `${f} would run twice`);
  });

  it('package.json runs the list', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    assert.match(pkg.scripts.test, /\$\(node scripts\/test-files\.mjs\)/);
  });
});
