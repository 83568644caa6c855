import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * A newcomer copies a snippet from the README into a file in the clone and
 * runs it with `npx tsx`, before any build: `beamish/…` must resolve to the
 * sources (tsconfig.json's `paths`, which tsx follows), not to a `dist/`
 * that does not exist yet.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const exec = promisify(execFile);

describe("the package's own name in the clone", () => {
  it('a file importing beamish, beamish/runtime and beamish/gun runs with tsx before any build', async () => {
    const dir = join(root, '.tmp', `self-import-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      const file = join(dir, 'try.ts');
      writeFileSync(
        file,
        [
          "import { gun as viaRoot, self } from 'beamish';",
          "import * as gun from 'beamish/gun';",
          "import { run } from 'beamish/runtime';",
          'console.log(await run(() => typeof gun.open + typeof viaRoot.wsSend + String(self()).startsWith("<0.")));',
        ].join('\n'),
      );
      const { stdout } = await exec(join(root, 'node_modules/.bin/tsx'), [file], { cwd: dir });
      assert.equal(stdout.trim(), 'functionfunctiontrue');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
