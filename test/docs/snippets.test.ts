import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startEchoServer } from '../../examples/echo-server.js';

/**
 * The TypeScript in README.md and docs/ type-checks against the real API, so
 * the examples people copy cannot drift from the code. A block that starts
 * with an import begins a module; the blocks after it continue that module.
 * The helpers the snippets of docs/ only name (`upgradeSuccess`, `someBin`,
 * ...) are declared for them; README.md's snippets get none: they compile as
 * they stand. README's first example (under "In 30 seconds") also runs, as
 * its text tells a reader to run it. And every relative link in README.md,
 * CHANGELOG.md, examples/README.md and docs/ leads to a file that is there
 * (and to a heading that is there, for a link with a #fragment).
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const exec = promisify(execFile);

const HELPERS: Record<string, string> = {
  upgradeSuccess: 'declare function upgradeSuccess(pid: unknown): void;',
  handleFrame: 'declare function handleFrame(pid: unknown, frame: unknown): void;',
  upgradeAgain: 'declare function upgradeAgain(pid: unknown): Promise<void>;',
  someBin: 'declare const someBin: Buffer;',
  loop: 'declare function loop(): Promise<void>;',
};

/** The TypeScript modules of a Markdown text, with the helpers they name declared unless `withHelpers` is false. */
function modulesOf(markdown: string, withHelpers = true): string[] {
  const modules: string[] = [];
  for (const [, code] of markdown.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const block = (code as string)
      .replaceAll("from 'beamish/runtime'", `from '${root}src/runtime/index.js'`)
      .replaceAll("from 'beamish/gun'", `from '${root}src/gun/index.js'`)
      .replaceAll("from 'beamish/otp'", `from '${root}src/otp/index.js'`)
      .replaceAll("from 'beamish/distribution'", `from '${root}src/distribution/index.js'`)
      .replaceAll("from 'beamish/shell'", `from '${root}src/shell/index.js'`)
      .replaceAll("from 'beamish/observer'", `from '${root}src/observer/index.js'`)
      .replaceAll("from 'beamish'", `from '${root}src/index.js'`);
    if (block.startsWith('import') || modules.length === 0) modules.push(block);
    else modules[modules.length - 1] += `\n${block}`;
  }
  return modules.map((m) => {
    const helpers = Object.entries(withHelpers ? HELPERS : {})
      .filter(([name]) => new RegExp(`\\b${name}\\b`).test(m))
      .map(([, decl]) => decl);
    return `${m}\n${helpers.join('\n')}\nexport {};\n`;
  });
}

/** README.md and every Markdown file under docs/. */
function documents(): string[] {
  const docs = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`)
    .sort();
  return ['README.md', ...docs];
}

describe('code in the docs', () => {
  it('every TypeScript snippet in README.md and docs/ (guides and the learn track included) type-checks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beamish-snippets-'));
    try {
      const files: string[] = [];
      for (const doc of documents()) {
        // README.md is read first by people who copy from it: its snippets must compile as they are.
        modulesOf(readFileSync(join(root, doc), 'utf8'), doc !== 'README.md').forEach((m, i) => {
          const file = join(dir, `${doc.replace(/\W/g, '_')}_${i}.mts`);
          writeFileSync(file, m);
          files.push(file);
        });
      }
      assert.ok(files.length >= 30, `found ${files.length} snippet modules`);
      const tsc = join(root, 'node_modules/.bin/tsc');
      const args = ['--ignoreConfig', '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext'];
      args.push(
        '--target',
        'es2022',
        '--skipLibCheck',
        '--types',
        'node',
        '--typeRoots',
        join(root, 'node_modules/@types'),
      );
      const result = await exec(tsc, [...args, ...files], { cwd: root }).then(
        () => '',
        (err: { stdout?: string }) => err.stdout ?? String(err),
      );
      assert.equal(result, '', result);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The ```ts blocks of README.md under the heading `## title`, joined: one module. */
function readmeSection(title: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README.md has no "## ${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map(([, code]) => code as string);
  assert.ok(blocks.length > 0, `README.md's "${title}" has no TypeScript`);
  return blocks.join('\n');
}

describe("README's first example", () => {
  it('runs as written, against examples/echo-server.ts, from a file in the clone, and prints what its comment says', async () => {
    const code = readmeSection('In 30 seconds');
    // What it prints: the comment on its console.log line.
    const printed = /^console\.log\(.*\); \/\/ (.+)$/m.exec(code);
    assert.ok(printed !== null, 'the example has no `console.log(...); // output` line');
    assert.match(code, /\b8080\b/, 'the example talks to the echo server on port 8080');
    const server = await startEchoServer();
    // In the clone's .tmp/, where tsconfig.json's paths make beamish/* the sources, as for scratch/.
    const dir = join(root, '.tmp', `readme-example-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      // Only the port changes: 8080 may be taken here, so the server is on a free one.
      writeFileSync(join(dir, 'try.ts'), code.replaceAll('8080', String(server.port)));
      const { stdout, stderr } = await exec(join(root, 'node_modules/.bin/tsx'), ['try.ts'], {
        cwd: dir,
        timeout: 30_000,
      });
      assert.equal(stdout, `${printed[1]}\n`, stderr);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** GitHub's id for a heading: lower case, no punctuation but - and _, spaces as -, -1 -2 ... for repeats. */
function headingIds(markdown: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.+)$/.exec(line);
    if (heading === null) continue;
    const id = (heading[1] as string)
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    ids.add(n === 0 ? id : `${id}-${n}`);
  }
  return ids;
}

/** The targets of the Markdown links of a text, outside code blocks and code spans. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => target as string);
}

describe('links in the docs', () => {
  it('every relative link of README.md, CHANGELOG.md, examples/README.md and docs/ leads to a file, and a #fragment to a heading', () => {
    const broken: string[] = [];
    const pages = ['README.md', 'CHANGELOG.md', 'examples/README.md', ...documents().slice(1)];
    for (const page of pages) {
      const markdown = readFileSync(join(root, page), 'utf8');
      for (const target of linkTargets(markdown)) {
        if (/^https?:\/\/github\.com\/beamish-dev\/beamish\/(blob|tree)\//.test(target)) {
          broken.push(`${page}: ${target} (a link into this repository: make it relative)`);
          continue;
        }
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const [path = '', fragment] = target.split('#');
        const file = path === '' ? join(root, page) : join(dirname(join(root, page)), decodeURI(path));
        if (!existsSync(file)) broken.push(`${page}: ${target} (no such file)`);
        else if (
          fragment !== undefined &&
          file.endsWith('.md') &&
          !headingIds(readFileSync(file, 'utf8')).has(fragment)
        )
          broken.push(`${page}: ${target} (no such heading)`);
      }
    }
    assert.deepEqual(broken, []);
  });
});
