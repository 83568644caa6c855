import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * `npm run demo:runtime` (examples/runtime-demo.ts), run as a newcomer runs
 * it: every line in the order its story tells, the counter's 'stop' before
 * the shell's `done`, and the process exits by itself.
 */
const exec = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

describe('npm run demo:runtime (examples/runtime-demo.ts)', () => {
  it('prints its story in order: the watcher sees EXIT before the shell sees DOWN, the counter stops, then done', async () => {
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', 'examples/runtime-demo.ts'], {
      cwd: root,
      timeout: 30_000,
    });
    // Each line without its JavaScript half, with one space between words and refs left out.
    const story = stdout
      .trimEnd()
      .split('\n')
      .map((line) =>
        line
          .replace(/\s+js: .*$/, '')
          .replace(/#Ref<[\d.]+>/g, '#Ref')
          .replace(/\s+/g, ' '),
      );
    assert.deepEqual(story, [
      'shell is <0.1.0>, counter is <0.2.0>',
      'counter got {add,2}',
      'counter got {add,40}',
      'counter got {get,<0.1.0>}',
      'shell got {count,42}',
      'shell got {urgent,now}',
      'shell got {note,1}',
      'shell got {note,2}',
      'shell after timeout after 20 ms',
      "watcher got {'EXIT',<0.4.0>,worker_failed}",
      "shell got {'DOWN',#Ref,process,<0.4.0>,worker_failed}",
      'counter got stop',
      "shell got {'DOWN',#Ref,process,<0.2.0>,normal}",
      'done',
    ]);
  });
});
