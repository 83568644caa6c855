import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * scratch/: where the learning track tells learners to save its snippets.
 * A snippet saved there runs, `npm run typecheck` (tsc -p .) checks it, and
 * git keeps it out of the repository while keeping the folder's README.
 */
const exec = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const learnDocs = join(root, 'docs', 'learn');

/** The first TypeScript snippet of a chapter, as a learner copies it. */
function firstSnippet(chapter: string): string {
  const block = readFileSync(join(learnDocs, chapter), 'utf8').match(/```ts\n([\s\S]*?)```/)?.[1];
  assert.ok(block !== undefined, `no snippet in ${chapter}`);
  return block;
}

describe('scratch/, the home of the snippets learners save', () => {
  it('a snippet saved there runs with tsx, from the root, and `npm run typecheck` checks it', async () => {
    // Type-correct, so that a `tsc -p .` someone runs meanwhile is not disturbed by it.
    const name = `snippet-test-${process.pid}.ts`;
    const file = join(root, 'scratch', name);
    writeFileSync(file, firstSnippet('01-spawn-and-send.md'));
    try {
      const run = await exec(process.execPath, ['--import', 'tsx', `scratch/${name}`], { cwd: root, timeout: 30_000 });
      assert.equal(run.stdout, 'started <0.2.0>\nhello from a process\n');
      // `npm run typecheck` is `tsc -p .`: the files it checks.
      const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      const listed = await exec(process.execPath, [tsc, '-p', '.', '--listFilesOnly'], {
        cwd: root,
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      assert.ok(listed.stdout.split(/\r?\n/).includes(file.replaceAll('\\', '/')), `${file} is not in tsc -p .`);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('git ignores what learners save there, but keeps the folder and its README', {
    skip: !existsSync(join(root, '.git')) && 'not a git clone',
  }, async () => {
    assert.ok(existsSync(join(root, 'scratch', 'README.md')));
    // --no-index: by the rules alone, whether or not a file is tracked yet.
    const { stdout } = await exec(
      'git',
      ['check-ignore', '--no-index', 'scratch/try.ts', 'scratch/deep/er.ts', 'scratch/README.md'],
      { cwd: root, timeout: 10_000 },
    );
    assert.deepEqual(stdout.trim().split('\n'), ['scratch/try.ts', 'scratch/deep/er.ts']);
  });

  it('the learning track tells learners to save and run snippets in scratch/, nowhere else', () => {
    const pages = readdirSync(learnDocs).filter((f) => f.endsWith('.md'));
    const all = pages.map((page) => readFileSync(join(learnDocs, page), 'utf8')).join('\n');
    assert.match(all, /npx tsx scratch\/try\.ts/);
    for (const page of pages) {
      const text = readFileSync(join(learnDocs, page), 'utf8');
      assert.doesNotMatch(text, /(?<!scratch\/)\btry\.ts/, `${page} names a try.ts outside scratch/`);
    }
    // Where the track first says so, it also says that `npm run typecheck` checks them.
    for (const page of ['README.md', '01-spawn-and-send.md']) {
      const text = readFileSync(join(learnDocs, page), 'utf8');
      assert.match(text, /scratch\//, page);
      assert.match(text, /npm run typecheck/, page);
    }
  });
});
