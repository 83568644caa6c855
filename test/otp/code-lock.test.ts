import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { button, codeLock, type LockData, type LockState } from '../../examples/otp/code-lock.js';
import { GenStatem } from '../../src/otp/gen-statem.js';
import { getState } from '../../src/otp/sys.js';
import { _, type Pid, receive, run, self, send, sleep } from '../../src/runtime/index.js';

/** OTP's code lock (design principles, "gen_statem Behaviour"), run as a script and driven from a test. */

const execute = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/** The lock's [state, buttons], once every event sent before has been handled. */
async function lockState(lock: Pid): Promise<[LockState, readonly number[]]> {
  const [state, data] = await getState<[LockState, LockData]>(lock);
  return [state, data.buttons];
}

describe('the code lock example', () => {
  it('npx tsx examples/otp/code-lock.ts prints what the lock does, and exits 0', async () => {
    const { stdout } = await execute(process.execPath, ['--import', 'tsx', 'examples/otp/code-lock.ts'], {
      cwd: root,
      timeout: 30_000,
    });
    assert.equal(
      stdout,
      [
        'Lock',
        'code length: 3',
        'press 1 2 9',
        '  state: locked, buttons: [1,2,9]',
        'wait 250 ms without a press',
        '  state: locked, buttons: []',
        'press 1 2 3',
        'Unlock',
        '  state: open, buttons: [1,2]',
        'press 7 while the door is open',
        '  state: open, buttons: [1,2]',
        'wait 300 ms',
        'Lock',
        '  state: locked, buttons: [7]',
        'stopped',
        '',
      ].join('\n'),
    );
  });

  it('the right code opens the door; the state timeout locks it; a button pressed while open counts after', async () => {
    await run(async () => {
      const tester = self();
      const say = (line: string): void => {
        send(tester, ['said', line]);
      };
      const said = async (): Promise<unknown> => (await receive([['said', _]], 1000))[1];
      const lock = await GenStatem.start(codeLock, { code: [4, 2], openMs: 40, buttonMs: 1000, say });
      assert.equal(await said(), 'Lock', 'entering the first state locks the door');
      assert.equal(await GenStatem.call(lock, ['code_length']), 2);

      // Only the last two buttons count: 9 4 2 opens.
      const pressed = Date.now();
      for (const digit of [9, 4, 2]) button(lock, digit);
      assert.equal(await said(), 'Unlock');
      button(lock, 4);
      assert.deepEqual(await lockState(lock), ['open', [9, 4]], 'the 4 waits, postponed');
      assert.equal(await GenStatem.call(lock, ['code_length']), 2, 'calls are answered while open');

      assert.equal(await said(), 'Lock');
      assert.ok(Date.now() - pressed >= 39, 'locked by the state timeout, not before');
      assert.deepEqual(await lockState(lock), ['locked', [4]], 'the postponed 4 was pressed in locked');
      button(lock, 2);
      assert.equal(await said(), 'Unlock', 'so 4 then 2 opens');

      // Stopped while open, terminate locks the door (the manual's terminate/3).
      await GenStatem.stop(lock);
      assert.equal(await said(), 'Lock');
    });
  });

  it('the event timeout forgets the buttons after a while without a press; any press restarts it', async () => {
    await run(async () => {
      const lock = await GenStatem.start(codeLock, { code: [1, 2, 3], openMs: 1000, buttonMs: 100, say: () => {} });
      button(lock, 1);
      await sleep(60);
      button(lock, 2);
      await sleep(60);
      assert.deepEqual(await lockState(lock), ['locked', [1, 2]], 'the press at 60 ms restarted the timeout');
      await sleep(120);
      assert.deepEqual(await lockState(lock), ['locked', []]);
      await GenStatem.stop(lock);
    });
  });
});
