import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The TypeScript in README.md and docs/ type-checks against the real API, so
 * the examples people copy cannot drift from the code. A block that starts
 * with an import begins a module; the blocks after it continue that module.
 * The helpers the snippets only name (`upgradeSuccess`, `someBin`, ...) are
 * declared for them.
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

function modulesOf(markdown: string): string[] {
  const modules: string[] = [];
  for (const [, code] of markdown.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const block = (code as string)
      .replaceAll("from 'beamish/runtime'", `from '${root}src/runtime/index.js'`)
      .replaceAll("from 'beamish/gun'", `from '${root}src/gun/index.js'`)
      .replaceAll("from 'beamish/otp'", `from '${root}src/otp/index.js'`)
      .replaceAll("from 'beamish/distribution'", `from '${root}src/distribution/index.js'`)
      .replaceAll("from 'beamish'", `from '${root}src/index.js'`);
    if (block.startsWith('import') || modules.length === 0) modules.push(block);
    else modules[modules.length - 1] += `\n${block}`;
  }
  return modules.map((m) => {
    const helpers = Object.entries(HELPERS)
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
        modulesOf(readFileSync(join(root, doc), 'utf8')).forEach((m, i) => {
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
