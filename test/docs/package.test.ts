import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The package as a user gets it: the sources are built with
 * tsconfig.build.json in a staging copy of the clone, packed by `npm pack`
 * (so package.json's "files" decides what ships), and the tarball is
 * unpacked into `node_modules/beamish` of a consumer directory. The consumer
 * then imports, requires and type-checks it. The consumer sits under the
 * clone's .tmp/, so `ws` and `nanoid` resolve from the clone's node_modules
 * as they would from the user's.
 *
 * Nothing is built in the clone itself: its dist/, if any, may be stale.
 * About 5 s: one tsc build, one npm pack, four Node start-ups, one tsc check.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const exec = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  exports: Record<string, string | { types: string; default: string }>;
};

/** The subpaths the package exports, but for ./package.json: '.', './runtime', './gun', ... */
const entryPoints = Object.keys(pkg.exports).filter((key) => key !== './package.json');

/** The source of an entry point: '.' → src/index.ts, './gun' → src/gun/index.ts. */
function sourceOf(entry: string): string {
  return join(root, 'src', entry.slice(2), 'index.ts');
}

/** The entry points whose sources exist: './otp' and './distribution' are exported before they are written. */
const written = entryPoints.filter((entry) => existsSync(sourceOf(entry)));

let work: string;
let installed: string;
let consumer: string;
let shipped: string[];

before(async () => {
  mkdirSync(join(root, '.tmp'), { recursive: true });
  work = mkdtempSync(join(root, '.tmp', 'package-'));
  const stage = join(work, 'stage');
  for (const path of [
    'package.json',
    'tsconfig.json',
    'tsconfig.build.json',
    'src',
    'bin',
    'README.md',
    'LICENSE',
    'docs',
  ]) {
    if (existsSync(join(root, path))) cpSync(join(root, path), join(stage, path), { recursive: true });
  }
  // Type errors elsewhere in the sources (someone mid-edit) do not stop the
  // emit; the entry points are checked below for what they export.
  await exec(join(root, 'node_modules/.bin/tsc'), ['-p', join(stage, 'tsconfig.build.json')], { cwd: stage }).catch(
    (err: { stdout?: string }) => {
      if (!existsSync(join(stage, 'dist', 'index.js'))) throw err;
    },
  );
  const { stdout } = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: stage,
  });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  assert.ok(packed !== undefined, stdout);
  shipped = packed.files.map((f) => f.path).sort();
  consumer = join(work, 'consumer');
  installed = join(consumer, 'node_modules', 'beamish');
  mkdirSync(installed, { recursive: true });
  await exec('tar', ['-xzf', join(work, packed.filename), '-C', installed, '--strip-components=1']);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
});

after(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

/** Runs `node args...` in the consumer directory. */
async function node(args: string[]): Promise<string> {
  const { stdout } = await exec(process.execPath, args, { cwd: consumer, timeout: 20_000 });
  return stdout;
}

/**
 * A script checking every written entry point, through `load` (`require` or
 * `await import`): it loads, and what the CI script checks is there.
 */
function entryCheck(load: (specifier: string) => string): string {
  const names = written.map((entry) => `beamish${entry.slice(1)}`);
  return [
    `const loaded = {};`,
    ...names.map((name) => `loaded[${JSON.stringify(name)}] = ${load(name)};`),
    `const failures = [];`,
    `for (const [name, m] of Object.entries(loaded)) if (Object.keys(m).length === 0) failures.push(name + ' exports nothing');`,
    `if (typeof loaded['beamish/runtime'].spawn !== 'function') failures.push('beamish/runtime has no spawn');`,
    `if (typeof loaded['beamish/gun'].open !== 'function') failures.push('beamish/gun has no open');`,
    `if (typeof loaded['beamish'].gun.wsSend !== 'function') failures.push('beamish has no gun.wsSend');`,
    `console.log(JSON.stringify({ loaded: Object.keys(loaded), failures }));`,
  ].join('\n');
}

describe('the published package', () => {
  it('ships dist/ (code, types, maps), bin/, README and LICENSE, and no sources or tests', () => {
    for (const entry of written) {
      const base = `dist/${entry === '.' ? '' : `${entry.slice(2)}/`}index`;
      for (const ext of ['.js', '.d.ts', '.js.map']) assert.ok(shipped.includes(base + ext), `missing ${base}${ext}`);
    }
    for (const path of ['bin/beamish.js', 'dist/cli.js', 'README.md', 'LICENSE', 'package.json']) {
      assert.ok(shipped.includes(path), `missing ${path} in ${shipped.length} files`);
    }
    assert.deepEqual(
      shipped.filter((path) => /^(src|test|bench|examples)\//.test(path)),
      [],
    );
  });

  it('every export target is in the tarball once its source is written', () => {
    assert.ok(written.includes('.') && written.includes('./runtime') && written.includes('./gun'), String(written));
    for (const entry of entryPoints) {
      const target = pkg.exports[entry];
      assert.ok(typeof target === 'object', entry);
      const expected = written.includes(entry);
      for (const file of [target.types, target.default]) {
        assert.equal(shipped.includes(file.slice(2)), expected, `${entry}: ${file}`);
      }
    }
    assert.equal(pkg.exports['./package.json'], './package.json');
  });

  it('import: every entry point, and beamish/package.json with its version', async () => {
    const out = await node([
      '--input-type=module',
      '-e',
      entryCheck((name) => `await import(${JSON.stringify(name)})`),
    ]);
    assert.deepEqual(JSON.parse(out), { loaded: written.map((e) => `beamish${e.slice(1)}`), failures: [] });
    const version = await node([
      '--input-type=module',
      '-e',
      "const { default: p } = await import('beamish/package.json', { with: { type: 'json' } }); console.log(p.version);",
    ]);
    assert.equal(version.trim(), pkg.version);
  });

  it('require(): every entry point (no top-level await in their graphs), one instance shared with import', {
    skip: process.features.require_module
      ? false
      : `Node ${process.version} cannot require() ES modules (Node >= 20.19 or >= 22.12 can)`,
  }, async () => {
    const out = await node(['-e', entryCheck((name) => `require(${JSON.stringify(name)})`)]);
    assert.deepEqual(JSON.parse(out), { loaded: written.map((e) => `beamish${e.slice(1)}`), failures: [] });
    // require() and import() give the same module, so one process table, not two (no dual-package hazard).
    const same = await node([
      '-e',
      "import('beamish/runtime').then((m) => console.log(m === require('beamish/runtime'), require('beamish/package.json').version))",
    ]);
    assert.equal(same.trim(), `true ${pkg.version}`);
  });

  it('TypeScript finds the types both from an ES module (import) and a CommonJS one (require)', async () => {
    writeFileSync(
      join(consumer, 'esm.mts'),
      [
        "import { gun } from 'beamish';",
        "import { open } from 'beamish/gun';",
        "import { type Pid, spawn } from 'beamish/runtime';",
        'const pid: Pid = spawn(() => undefined);',
        'export const checks: [typeof open, typeof gun.wsSend, Pid] = [open, gun.wsSend, pid];',
      ].join('\n'),
    );
    writeFileSync(
      join(consumer, 'cjs.cts'),
      [
        "import runtime = require('beamish/runtime');",
        "import beamish = require('beamish');",
        'const pid: runtime.Pid = runtime.spawn(() => undefined);',
        'export const checks: [runtime.Pid, typeof beamish.gun.open] = [pid, beamish.gun.open];',
      ].join('\n'),
    );
    const options = {
      strict: true,
      noEmit: true,
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      types: ['node'],
      skipLibCheck: false,
    };
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: options, files: ['esm.mts', 'cjs.cts'] }),
    );
    const tsc = await exec(join(root, 'node_modules/.bin/tsc'), ['-p', consumer], { cwd: consumer }).then(
      ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, output: err.stdout + err.stderr }),
    );
    assert.deepEqual(tsc, { code: 0, output: '' });
  });

  it('every source map in the tarball resolves: each source is shipped, or carried in sourcesContent', () => {
    const maps = shipped.filter((path) => path.endsWith('.js.map'));
    assert.ok(maps.length >= written.length, String(maps.length));
    const unresolved: string[] = [];
    for (const path of maps) {
      const map = JSON.parse(readFileSync(join(installed, path), 'utf8')) as {
        sources: string[];
        sourceRoot?: string;
        sourcesContent?: Array<string | null>;
      };
      for (const [i, source] of map.sources.entries()) {
        if (typeof map.sourcesContent?.[i] === 'string') continue;
        const file = relative(installed, resolve(dirname(join(installed, path)), map.sourceRoot ?? '', source));
        if (!shipped.includes(file)) unresolved.push(`${path}: ${source}`);
      }
    }
    assert.deepEqual(unresolved, []);
  });

  it('bin/beamish.js in the package (no src/ there) runs the built CLI', async () => {
    const out = await node([join(installed, 'bin', 'beamish.js'), '--version']);
    assert.equal(out, `${pkg.version}\n`);
    assert.ok(!readdirSync(installed).includes('src'));
  });
});
