import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { _, exitReasonOf, monitor, ProcessExit, receive, run, setLogger, spawn } from '../../src/runtime/index.js';

describe('exitReasonOf', () => {
  it('gives the reason a process exits with when its function throws the same thing', async () => {
    const previous = setLogger({ crash() {} });
    try {
      await run(async () => {
        const error = new Error('boom');
        for (const thrown of [new ProcessExit('shutdown'), new ProcessExit(['shutdown', 'bye']), error, 'text']) {
          const pid = spawn(() => {
            throw thrown;
          });
          const ref = monitor('process', pid);
          const [, , , , reason] = await receive([['DOWN', ref, _, _, _]], 500);
          assert.deepEqual(exitReasonOf(thrown), reason);
        }
        assert.deepEqual(exitReasonOf(error), ['error', error]);
        assert.equal(exitReasonOf(new ProcessExit('shutdown')), 'shutdown');
      });
    } finally {
      setLogger(previous);
    }
  });
});
