import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * examples/README.md lists every example with the command that runs it, and
 * the list cannot go stale: each file under examples/ is linked from it, and
 * each command in it names a file or an npm script that is there.
 *
 * The learning track's chapter folders (examples/learn/NN-name/) count as one
 * entry each: the README links the folder's exercise.ts, and the files in the
 * folder (exercise, check, solution, and chapter 10's server) are the
 * chapter's, described by docs/learn. Every other file, the track's harness
 * and type check included, is linked by its own path.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const examples = join(root, 'examples');
const readme = readFileSync(join(examples, 'README.md'), 'utf8');
const scripts = Object.keys(
  (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
);

/** A chapter folder of the learning track: learn/ then two digits and a name. */
const CHAPTER = /^learn\/(\d\d-[^/]+)\//;

/** Every file under examples/, by its path from there with / separators, but README.md. */
function exampleFiles(): string[] {
  return readdirSync(examples, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) =>
      join(entry.parentPath, entry.name)
        .slice(examples.length + 1)
        .split(sep)
        .join('/'),
    )
    .filter((path) => path !== 'README.md')
    .sort();
}

/** Whether examples/README.md has a Markdown link whose target is `target`, or starts with it when `prefix`. */
function linked(target: string, prefix = false): boolean {
  const escaped = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\]\\(${escaped}${prefix ? '[^)]*' : ''}\\)`).test(readme);
}

describe('examples/README.md', () => {
  it('links every example file under examples/, and every chapter folder of the learning track', () => {
    const files = exampleFiles();
    assert.ok(files.includes('demo.ts') && files.includes('otp/counter.ts'), files.join(', '));
    const chapters = new Set<string>();
    const missing: string[] = [];
    for (const file of files) {
      const chapter = CHAPTER.exec(file);
      if (chapter !== null) chapters.add(chapter[1] as string);
      else if (!linked(file)) missing.push(`examples/${file}`);
    }
    assert.ok(chapters.size >= 10, `found ${chapters.size} chapter folders`);
    for (const chapter of chapters) if (!linked(`learn/${chapter}/`, true)) missing.push(`examples/learn/${chapter}/`);
    assert.deepEqual(missing, [], 'not listed in examples/README.md: add a row with its command');
  });

  it('every file a command or a link in it names is there, and every npm script it names is in package.json', () => {
    const named = [...readme.matchAll(/npx tsx (examples\/[^\s`]+)/g)].map(([, path]) => path as string);
    assert.ok(named.length >= 10, `found ${named.length} npx tsx commands`);
    const gone = named.filter((path) => !existsSync(join(root, path)));
    const targets = [...readme.matchAll(/\]\(([^)\s#]+)[^)]*\)/g)].map(([, target]) => target as string);
    gone.push(...targets.filter((t) => !/^[a-z]+:/.test(t) && !existsSync(join(examples, t))));
    assert.deepEqual(gone, [], 'examples/README.md names files that are not there');
    const run = [...readme.matchAll(/npm (?:run ([\w:-]+)|(start|test)\b)/g)].map(([, a, b]) => (a ?? b) as string);
    assert.ok(run.includes('start') && run.includes('exercise'), run.join(', '));
    assert.deepEqual(
      run.filter((script) => !scripts.includes(script)),
      [],
      'examples/README.md names npm scripts that package.json does not have',
    );
  });
});
