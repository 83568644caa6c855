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
 * then imports, requires and type-checks it, as each kind of project would:
 * ES module, CommonJS, and TypeScript with moduleResolution node16, nodenext,
 * bundler (module esnext and preserve) and node10 (module commonjs). The
 * consumer sits under the clone's .tmp/, so `ws`, `nanoid` and `@types/node`
 * resolve from the clone's node_modules as they would from the user's.
 *
 * node10 is gone from TypeScript 7 (the clone's), so that set-up is checked by
 * TypeScript 5.9, which the test installs from the npm registry (from npm's
 * cache once fetched) beside the consumer while the build runs.
 *
 * Nothing is built in the clone itself: its dist/, if any, may be stale.
 * About 7 s: a tsc build beside an npm install of TypeScript 5, npm pack,
 * six Node start-ups, then five tsc checks side by side.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const exec = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  main?: string;
  types?: string;
  typesVersions?: Record<string, Record<string, string[]>>;
  exports: Record<string, string | { types: string; default: string }>;
};

/** The TypeScript that still has moduleResolution node10 (TypeScript 7 removed it). */
const TYPESCRIPT_5 = 'typescript@5.9.3';

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
/** node_modules/.bin/tsc of TypeScript 5, or why it could not be installed. */
let tsc5: { path: string } | { error: string };

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
  const build = exec(join(root, 'node_modules/.bin/tsc'), ['-p', join(stage, 'tsconfig.build.json')], {
    cwd: stage,
  }).catch((err: { stdout?: string }) => {
    if (!existsSync(join(stage, 'dist', 'index.js'))) throw err;
  });
  const ts5 = join(work, 'typescript-5');
  mkdirSync(ts5);
  writeFileSync(join(ts5, 'package.json'), JSON.stringify({ name: 'typescript-5', private: true }));
  const install = exec(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts', TYPESCRIPT_5],
    { cwd: ts5 },
  );
  // Both settle before anything can fail, so that after() removes no directory a child still writes in.
  const [built, ts5Installed] = await Promise.allSettled([build, install]);
  if (built.status === 'rejected') throw built.reason;
  tsc5 =
    ts5Installed.status === 'fulfilled'
      ? { path: join(ts5, 'node_modules', '.bin', 'tsc') }
      : {
          error: `npm install ${TYPESCRIPT_5} failed: ${String((ts5Installed.reason as { stderr?: string }).stderr ?? ts5Installed.reason)}`,
        };
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
    `if (typeof loaded['beamish/shell'].startShell !== 'function') failures.push('beamish/shell has no startShell');`,
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

  it('main, types and typesVersions name what exports names (for TypeScript on moduleResolution node10)', () => {
    const dot = pkg.exports['.'];
    assert.ok(typeof dot === 'object');
    assert.deepEqual([pkg.main, pkg.types], [dot.default, dot.types]);
    const subpaths: Record<string, string[]> = {};
    for (const entry of entryPoints.filter((e) => e !== '.')) {
      const target = pkg.exports[entry];
      assert.ok(typeof target === 'object', entry);
      subpaths[entry.slice(2)] = [target.types];
    }
    assert.deepEqual(pkg.typesVersions, { '*': subpaths });
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

/** By entry point, one export a consumer's code imports, and a function it reaches through it. */
const PROBES: Record<string, { name: string; fn: string }> = {
  '.': { name: 'gun', fn: 'gun.wsSend' },
  './runtime': { name: 'spawn', fn: 'spawn' },
  './gun': { name: 'open', fn: 'open' },
  './otp': { name: 'GenServer', fn: 'GenServer.start' },
  './distribution': { name: 'parseNodeName', fn: 'parseNodeName' },
  './shell': { name: 'startShell', fn: 'startShell' },
  './observer': { name: 'observe', fn: 'observe' },
};

/**
 * A consumer's module in import syntax: one export of every written entry
 * point, two of the public types, and a misuse that must be a type error
 * (were the types `any`, the @ts-expect-error would be unused, itself an
 * error). Run, it prints `typeof` each probe's function.
 */
function consumerModule(): string {
  const imports = written.map((entry) => {
    assert.ok(PROBES[entry] !== undefined, `PROBES has no export of ${entry}: add one`);
    return `import { ${PROBES[entry].name} } from 'beamish${entry.slice(1)}';`;
  });
  return [
    ...imports,
    "import type { Pid } from 'beamish/runtime';",
    "import type { ShellOptions } from 'beamish/shell';",
    'export const shellOptions = (): ShellOptions => ({ input: process.stdin, output: process.stdout });',
    'export const pidText = (pid: Pid): string => String(pid);',
    'export function misuse(): void {',
    '  // @ts-expect-error: spawn takes a function',
    '  spawn(42);',
    '}',
    `console.log(JSON.stringify([${written.map((e) => `typeof ${PROBES[e]?.fn}`).join(', ')}]));`,
  ].join('\n');
}

/** The same as required by a CommonJS module (.cts) under nodenext: `import x = require(...)`. */
function consumerRequire(): string {
  return [
    "import runtime = require('beamish/runtime');",
    "import beamish = require('beamish');",
    "import shell = require('beamish/shell');",
    'export const pid: runtime.Pid = runtime.spawn(() => undefined);',
    'export const options = (): shell.ShellOptions => ({ input: process.stdin, output: process.stdout });',
    'export const checks: [typeof beamish.gun.open, typeof shell.startShell] = [beamish.gun.open, shell.startShell];',
  ].join('\n');
}

/** A consumer's TypeScript project: its compiler options and files, and which tsc checks it. */
interface Setup {
  compilerOptions: Record<string, string>;
  /** File names, each with what it holds: `consumerModule()` or `consumerRequire()`. */
  files: Record<string, 'module' | 'require'>;
  typescript: 'clone' | 'typescript-5';
  /**
   * Whether beamish's .d.ts files are checked too (skipLibCheck false). That
   * checks @types/node with them, about 1 s of TypeScript 7 and 6 s of
   * TypeScript 5, so it is done once, with the resolution every .d.ts import
   * is written for; elsewhere what is checked is that each entry point's
   * types are found and are what they say.
   */
  libCheck: boolean;
}

const SETUPS: Setup[] = [
  {
    // module node16 models Node 16, which cannot require() an ES module: a
    // CommonJS file importing beamish is TS1479 there, so only ESM is checked.
    compilerOptions: { module: 'node16', moduleResolution: 'node16' },
    files: { 'index.mts': 'module' },
    typescript: 'clone',
    libCheck: false,
  },
  {
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' },
    files: { 'index.mts': 'module', 'required.cts': 'require' },
    typescript: 'clone',
    libCheck: true,
  },
  {
    compilerOptions: { module: 'esnext', moduleResolution: 'bundler' },
    files: { 'index.ts': 'module' },
    typescript: 'clone',
    libCheck: false,
  },
  {
    compilerOptions: { module: 'preserve', moduleResolution: 'bundler' },
    files: { 'index.ts': 'module' },
    typescript: 'clone',
    libCheck: false,
  },
  {
    // A CommonJS project on the old resolution, which reads no exports map:
    // main, types and typesVersions find the types. Its output is run too.
    compilerOptions: { module: 'commonjs', moduleResolution: 'node', outDir: 'out' },
    files: { 'index.ts': 'module' },
    typescript: 'typescript-5',
    libCheck: false,
  },
];

describe('TypeScript consumers of the published package', { concurrency: true }, () => {
  for (const setup of SETUPS) {
    const { module, moduleResolution } = setup.compilerOptions;
    const title = `moduleResolution ${moduleResolution}, module ${module}${setup.typescript === 'typescript-5' ? ` (${TYPESCRIPT_5})` : ''}`;
    it(`${title}: every entry point's types are found, and are not any`, async () => {
      let tsc = join(root, 'node_modules/.bin/tsc');
      if (setup.typescript === 'typescript-5') {
        assert.ok('path' in tsc5, 'error' in tsc5 ? tsc5.error : '');
        tsc = tsc5.path;
      }
      const dir = join(consumer, `ts-${moduleResolution}-${module}`);
      mkdirSync(dir);
      for (const [file, holds] of Object.entries(setup.files)) {
        writeFileSync(join(dir, file), holds === 'module' ? consumerModule() : consumerRequire());
      }
      const compilerOptions = {
        strict: true,
        target: 'es2022',
        types: ['node'],
        skipLibCheck: !setup.libCheck,
        noEmit: setup.compilerOptions.outDir === undefined,
        ...setup.compilerOptions,
      };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: Object.keys(setup.files) }));
      const result = await exec(tsc, ['-p', dir], { cwd: dir }).then(
        ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
        (err: { code: number; stdout: string; stderr: string }) => ({
          code: err.code,
          output: err.stdout + err.stderr,
        }),
      );
      assert.deepEqual(result, { code: 0, output: '' });
      if (setup.compilerOptions.outDir !== undefined && process.features.require_module) {
        // TypeScript's CommonJS output require()s each entry point.
        const out = await node([join(dir, setup.compilerOptions.outDir, 'index.js')]);
        assert.deepEqual(
          JSON.parse(out),
          written.map(() => 'function'),
        );
      }
    });
  }
});
