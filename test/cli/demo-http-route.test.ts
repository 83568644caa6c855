import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ROOT_TEXT, startEchoServer } from '../../examples/echo-server.js';
import { beamish } from '../helpers/cli.js';

/**
 * The echo server of the demo and the README (examples/echo-server.ts) has
 * one plain HTTP route, so that `beamish get` against it shows a response
 * instead of a 426: GET / answers 200 with a line of text. WebSocket
 * upgrades are as they were, on every path, and a plain request anywhere
 * else still gets 426.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));

/** ROOT_TEXT as formatGunMessage prints a binary: `<<"...\n">>` with the newline escaped. */
const body = `<<"${ROOT_TEXT.replace('\n', '\\n')}">>`;

const started = new Set<ChildProcess>();
after(() => {
  for (const child of started) child.kill('SIGKILL');
});

describe("the echo server's HTTP route (GET /)", () => {
  it('npx tsx examples/echo-server.ts prints the route; beamish get on it gets 200 and the text, and exits 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/echo-server.ts', '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.add(child);
    child.once('exit', () => started.delete(child));
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    let first: IteratorResult<string>;
    let second: IteratorResult<string>;
    try {
      first = await lines.next();
      second = await lines.next();
    } finally {
      clearTimeout(timer);
    }
    assert.match(String(first.value), /^echo server on ws:\/\/127\.0\.0\.1:\d+\/echo \(Ctrl-C to stop\)$/);
    const route = /^plain HTTP: GET (http:\/\/127\.0\.0\.1:\d+\/) answers 200$/.exec(String(second.value));
    assert.ok(route !== null, String(second.value));

    const r = await beamish(['get', route[1] as string]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const out = r.stdout.trim().split('\n');
    assert.match(out[0] as string, /^\{gun_up,<0\.\d+\.0>,http\}$/);
    assert.match(out[1] as string, /^\{gun_response,<0\.\d+\.0>,#Ref<[\d.]+>,nofin,200,\[/);
    assert.match(out[1] as string, /\{<<"content-type">>,<<"text\/plain">>\}/);
    assert.ok(out.at(-1)?.endsWith(`,fin,${body}}`), r.stdout);
    assert.doesNotMatch(r.stdout, /426/);

    const exited = once(child, 'exit');
    child.kill('SIGINT');
    assert.deepEqual(await exited, [0, null]);
  });

  it('WebSocket upgrades are as before, on / too; a plain request elsewhere, or not a GET, still gets 426', async () => {
    const server = await startEchoServer();
    try {
      const url = `127.0.0.1:${server.port}`;
      const [ws, wsAtRoot, refused, plainEcho, post] = await Promise.all([
        beamish([`ws://${url}/echo`], 'hello\n'),
        beamish([`ws://${url}/`], 'at the root\n'),
        beamish([`ws://${url}/private`]),
        beamish(['get', `http://${url}/echo`]),
        fetch(`http://${url}/`, { method: 'POST', body: 'x' }),
      ]);
      assert.equal(ws.code, 0, ws.stderr);
      assert.match(ws.stdout, /^\{gun_ws_upgrade,<0\.\d+\.0>,ok\}$/m);
      assert.match(ws.stdout, /\{gun_ws,<0\.\d+\.0>,\{text,<<"hello">>\}\}/);
      assert.equal(wsAtRoot.code, 0, wsAtRoot.stderr);
      assert.match(wsAtRoot.stdout, /\{gun_ws,<0\.\d+\.0>,\{text,<<"at the root">>\}\}/);
      assert.equal(refused.code, 1);
      assert.equal(refused.stderr.trim(), 'beamish: upgrade refused: HTTP 401');
      assert.equal(plainEcho.code, 0, plainEcho.stderr);
      assert.match(plainEcho.stdout, /,nofin,426,/);
      assert.match(plainEcho.stdout, /<<"WebSocket only\\n">>/);
      assert.equal(post.status, 426);
      assert.equal(await post.text(), 'WebSocket only\n');
    } finally {
      await server.close();
    }
  });
});
