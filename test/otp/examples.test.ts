import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The OTP examples run as a reader would run them: `npx tsx examples/otp/<file>`. */
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

async function tsx(file: string): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', file], { cwd: root, timeout: 30_000 });
}

describe('examples/otp', () => {
  it('counter.ts: calls, a cast, sys:get_state, and the noproc exit reason after stop', async () => {
    const { stdout } = await tsx('examples/otp/counter.ts');
    assert.match(stdout, /call\(counter, \{add,5\}\) -> 15/);
    assert.match(stdout, /after cast\(reset\), sys:get_state -> 0/);
    assert.match(stdout, /after stop: \{noproc,\{gen_server,call,\[counter,\{get\},100\]\}\}/);
  });

  it('gun-client.ts: the Gun receive loop as a supervised GenServer upgrades again after a drop, and is restarted after a crash', async () => {
    const { stdout, stderr } = await tsx('examples/otp/gun-client.ts');
    const lines = stdout.split('\n');
    const at = (text: string) => {
      const i = lines.findIndex((l) => l.includes(text));
      assert.ok(i >= 0, `missing "${text}" in:\n${stdout}`);
      return i;
    };
    const dropped = at('-- the server drops every connection');
    const oops = at('ws_client: Oops! {closed,<<"The connection was lost.">>}; upgrading again');
    const afterDrop = at('ws_client: got {text,<<"after the drop">>}');
    const crash = at('-- the client crashes; its supervisor starts a new one');
    const fresh = at('ws_client: got {text,<<"from the new client">>}');
    assert.ok(dropped < oops && oops < afterDrop && afterDrop < crash && crash < fresh);
    assert.match(stdout, /ws_client is now <0\.\d+\.0> \(was <0\.\d+\.0>\)/);
    const [, now, was] = /ws_client is now (<[^>]+>) \(was (<[^>]+>)\)/.exec(stdout) ?? [];
    assert.notEqual(now, was, 'the supervisor started a new process');
    assert.match(stdout, /\ndone\n?$/);
    // The crash is reported, as OTP's error logger and supervisor report it.
    assert.match(stderr, /asked to crash/);
    assert.match(stderr, /SUPERVISOR REPORT/);
  });
});
