import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * Test files that run together in one process (see test/bundles.json's
 * comment). A bundle file (test/bundles/<group>.test.ts) imports its
 * group's files in order; node:test then runs their tests in that one
 * process, each file's suites after the previous file's.
 */

const testDir = new URL('../', import.meta.url);

/** The groups: test files by path under test/, without `.test.ts`. */
export function bundles(): Record<string, string[]> {
  const raw = JSON.parse(readFileSync(new URL('bundles.json', testDir), 'utf8')) as Record<string, unknown>;
  const out: Record<string, string[]> = {};
  for (const [group, files] of Object.entries(raw)) if (Array.isArray(files)) out[group] = files as string[];
  return out;
}

/** Imports every file of `group`, in order (a bundle file's whole body). */
export async function importBundle(group: string): Promise<void> {
  const files = bundles()[group];
  if (files === undefined) throw new Error(`test/bundles.json has no group '${group}'`);
  for (const file of files) await import(pathToFileURL(new URL(`${file}.test.ts`, testDir).pathname).href);
}
