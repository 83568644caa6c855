import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The demo (`npm start`), the seed examples and the porting examples run as a newcomer would run them. */
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

async function tsx(file: string): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', file], { cwd: root, timeout: 30_000 });
}

/**
 * The examples print frames one way, as Gun's Erlang does: a text payload or
 * a close reason is always a binary. A frame printed by formatTerm instead
 * shows a payload that reads as an atom bare (`{text,first}`,
 * `{close,1000,bye}`), beside `{text,<<"after reconnecting">>}`.
 */
function assertFramesAsGunPrintsThem(output: string): void {
  const bare = output.match(/\{(?:text|binary|ping|pong),(?!<<)[^}]*\}|\{close,\d+,(?!<<)[^}]*\}/g);
  assert.equal(bare, null, `frames printed with a bare payload:\n${output}`);
}

describe('the demo and the examples', () => {
  it('npm start: the demo prints every message the owner receives, in both notations, and exits 0', async () => {
    const { stdout } = await tsx('examples/demo.ts');
    for (const expected of [
      'erlang: {gun_ws_upgrade,<0.2.0>,error,nofin,401,',
      'erlang: {gun_data,<0.2.0>,fin,<<"missing authorization\\n">>}',
      'erlang: {gun_ws_upgrade,<0.2.0>,ok}',
      'erlang: {gun_ws,<0.2.0>,{text,<<"Hello!">>}}',
      "js:     [ 'gun_ws', <0.2.0>, [ 'text', 'Hello!' ] ]",
      'erlang: {gun_ws,<0.2.0>,{binary,<<222,173,190,239>>}}',
      'erlang: {gun_error,<0.2.0>,{closed,<<"The connection was lost.">>}}',
      'erlang: {gun_ws,<0.2.0>,close}',
      ',process,<0.2.0>,shutdown}',
      'done',
    ]) {
      assert.ok(stdout.includes(expected), `missing ${expected} in:\n${stdout}`);
    }
  });

  it('the runtime demo runs', async () => {
    const { stdout } = await tsx('examples/runtime-demo.ts');
    assert.match(stdout, /shell {4}got {2}\{count,42\}/);
  });

  it('the seed snippets run as they read', async () => {
    assert.match((await tsx('examples/seed/1-http-upgrade.ts')).stdout, /upgraded <0\.\d+\.0>\nupgraded <0\.\d+\.0>/);
    const second = await tsx('examples/seed/2-sending-data.ts');
    assert.match(second.stdout, /\{gun_ws,<0\.2\.0>,\{binary,<<1,2,3>>\}\}\n\{gun_ws,<0\.2\.0>,close\}/);
    assert.match(second.stdout, /^\{gun_ws,<0\.2\.0>,\{text,<<"Hello!">>\}\}$/m);
    const third = await tsx('examples/seed/3-receiving-data.ts');
    // Both echoes print as Gun's binaries, the one that reads as an atom too.
    assert.match(third.stdout, /^<0\.\d+\.0> got \{text,<<"first">>\}$/m);
    assert.match(third.stdout, /upgraded again\n<0\.\d+\.0> got \{text,<<"after reconnecting">>\}/);
    assert.match(third.stderr, /Oops! \{closed,<<"The connection was lost\.">>\}/);
    for (const out of [second.stdout, third.stdout]) assertFramesAsGunPrintsThem(out);
  });

  it('the porting examples (docs/porting.md) run to the end and exit by themselves', async () => {
    const loop = await tsx('examples/porting/request-loop.ts');
    assert.equal(
      loop.stdout,
      [
        'up: http',
        '/ 200 Hello world!',
        '/stream 200 Hello world!',
        '/missing 404 (no body)',
        '/slow timed out',
        'connection down: shutdown',
        '',
      ].join('\n'),
    );
    const ws = await tsx('examples/porting/ws-reconnect.ts');
    assert.equal(
      ws.stdout,
      [
        'echo: hello 1',
        'down: closed',
        'echo: hello 2',
        // The server's answer to the client's close, printed by gun.formatFrame.
        'frame: {close,1000,<<"bye">>}',
        'down: normal',
        'connection down: shutdown',
        '',
      ].join('\n'),
    );
  });

  it('the HTTP/2 porting example (docs/porting.md (c)): the loop, a ping, a push before its page, and exits by itself', async () => {
    const { stdout } = await tsx('examples/porting/http2-push.ts');
    assert.equal(
      // The server's port is a free one, different each run.
      stdout.replace(/http:\/\/127\.0\.0\.1:\d+\//, 'http://127.0.0.1:PORT/'),
      [
        'up: http2',
        'ping_ack',
        '/hello 200 Hello world!',
        '/stream 200 Hello world!',
        '/missing 404 (no body)',
        // Cancelled: only that stream is reset, the next request goes on the same connection.
        '/slow timed out',
        'push GET http://127.0.0.1:PORT/style.css 200 body { color: teal }',
        '/ 200 <link rel="stylesheet" href="/style.css">Hello world!',
        'connection down: shutdown',
        '',
      ].join('\n'),
    );
  });
});
