import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, startServer, type TestServer } from '../helpers/servers.js';

const bin = fileURLToPath(new URL('../../bin/beamish.js', import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `beamish args...` with `input` on stdin. */
function beamish(args: string[], input = ''): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? null), stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

describe('the beamish command (wscat-like)', () => {
  it('upgrades with -H and -s, sends each stdin line as a text frame, prints every tuple, closes at EOF', async () => {
    const r = await beamish(
      ['-H', 'X-Token: abc', '-s', 'mychat', `ws://127.0.0.1:${server.port}/echo`],
      'hello\nworld\n',
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0] as string, /^\{gun_ws_upgrade,<0\.\d+\.0>,ok\}$/);
    assert.match(lines[1] as string, /\{text,<<"hello">>\}\}$/);
    assert.match(lines[2] as string, /\{text,<<"world">>\}\}$/);
    assert.match(lines[3] as string, /,close\}$/);
    const req = server.requests.at(-1);
    assert.equal(req?.headers['x-token'], 'abc');
    assert.equal(req?.headers['sec-websocket-protocol'], 'mychat');
  });

  it('--js prints JS notation', async () => {
    const r = await beamish(['--js', `ws://127.0.0.1:${server.port}/echo`], 'x\n');
    assert.match(r.stdout, /\[ 'gun_ws', <0\.\d+\.0>, \[ 'text', 'x' \] \]/);
  });

  it('a bad URL gets one clear line on stderr and exit code 2', async () => {
    for (const url of ['http://example.org/', 'not a url']) {
      const r = await beamish([url]);
      assert.equal(r.code, 2);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.match(r.stderr, /^beamish: bad URL/);
    }
    const none = await beamish([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /missing the URL/);
  });

  it('a refused connection gets one clear line on stderr and exit code 1', async () => {
    const port = await freePort();
    const r = await beamish([`ws://127.0.0.1:${port}/`]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `beamish: cannot connect to 127.0.0.1:${port}: {shutdown,econnrefused}`);
  });

  it('a refused upgrade prints the response and exits 1', async () => {
    const r = await beamish([`ws://127.0.0.1:${server.port}/refuse400`]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /error,nofin,400,/);
    assert.match(r.stdout, /<<"bad request!">>/);
    assert.equal(r.stderr.trim(), 'beamish: upgrade refused: HTTP 400');
  });

  it('--help prints the usage', async () => {
    const r = await beamish(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /usage: beamish/);
  });
});
