import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type RequestListener } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beamish, bin, command, type Result } from '../helpers/cli.js';
import { freePort, startServer, type TestServer } from '../helpers/servers.js';

const fixtures = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

describe('the beamish command (wscat-like)', { concurrency: 3 }, () => {
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
    // Tests run side by side: this test's request is the one with its header.
    const req = server.requests.find((q) => q.headers['x-token'] === 'abc');
    assert.equal(req?.headers['x-token'], 'abc');
    assert.equal(req?.headers['sec-websocket-protocol'], 'mychat');
  });

  it("--trace prints what the connection process does on stderr, as dbg does; stdout keeps the owner's messages", async () => {
    const r = await beamish(['--trace', `ws://127.0.0.1:${server.port}/echo`], 'traced\n');
    assert.equal(r.code, 0, r.stderr);
    const owner = /\{gun_ws_upgrade,(<0\.\d+\.0>),ok\}/.exec(r.stdout);
    assert.ok(owner, r.stdout);
    const conn = owner[1] as string;
    const trace = r.stderr.split('\n');
    const at = (re: RegExp) => {
      const i = trace.findIndex((l) => re.test(l));
      assert.ok(i >= 0, `no line matching ${re} in:\n${r.stderr}`);
      return i;
    };
    const esc = conn.replace(/[.<>]/g, '\\$&');
    // The owner's ws_send reaches the connection, which sends the owner the upgrade and the echo.
    const upgrade = at(new RegExp(`^\\(${esc}\\) <0\\.\\d+\\.0> ! \\{gun_ws_upgrade,${esc},ok\\}$`));
    const sent = at(new RegExp(`^\\(${esc}\\) << \\{'\\$gun_call',#\\{kind => ws_send,.*<<"traced">>`));
    // The payload prints as the owner's stdout shows it: a binary, as formatGunMessage prints it.
    const echo = at(new RegExp(`^\\(${esc}\\) <0\\.\\d+\\.0> ! \\{gun_ws,${esc},\\{text,<<"traced">>\\}\\}$`));
    assert.ok(r.stdout.split('\n').includes(trace[echo]?.replace(/^.* ! /, '') ?? ''), 'the same line as on stdout');
    assert.ok(upgrade < sent && sent < echo, r.stderr);
    assert.doesNotMatch(r.stdout, /^\(/m, 'no trace line on stdout');
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

  it('--version prints the version in package.json, and nothing else', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const r = await beamish(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${version}\n`);
  });

  it('bin/beamish.js in a clone runs the sources (through tsx), whatever dist/ holds; these tests run the fresh build when npm test made one', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'get', '--help']);
    assert.match(stdout, /usage: beamish/);
    // Under npm test (pretest builds dist/) the rest run dist/cli.js.
    if (process.env.npm_lifecycle_event === 'test') assert.match(command, /dist[\\/]cli\.js$/);
  });

  it('shell: the REPL on stdin and stdout; at the end of stdin it exits 0, as erl does, whatever the lines left running', async () => {
    const r = await beamish(['shell'], "1+1\nsetInterval(() => {}, 60_000); 'left running'\n");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^beamish shell \(help\(\) for help/);
    assert.match(r.stdout, /beamish> 2\n/);
  });

  it('takes values joined to their options (--opt=value, -Hvalue), and the URL after --', async () => {
    const r = await beamish(
      [
        '--header=X-Token: joined',
        '-HX-Other:short',
        '--subprotocol=mychat',
        '--',
        `ws://127.0.0.1:${server.port}/echo`,
      ],
      'x\n',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\{text,<<"x">>\}\}$/m);
    const req = server.requests.find((q) => q.headers['x-token'] === 'joined');
    assert.equal(req?.headers['x-token'], 'joined');
    assert.equal(req?.headers['x-other'], 'short');
    assert.equal(req?.headers['sec-websocket-protocol'], 'mychat');
  });

  it('credentials in the URL go as an authorization: Basic header, not in the URL', async () => {
    const r = await beamish([`ws://al%40ce:s%3Acret@127.0.0.1:${server.port}/echo`], 'x\n');
    assert.equal(r.code, 0, r.stderr);
    const basic = `Basic ${Buffer.from('al@ce:s:cret').toString('base64')}`;
    const req = server.requests.find((q) => q.headers.authorization === basic);
    assert.equal(req?.headers.authorization, basic);
    assert.equal(req?.headers.host, `127.0.0.1:${server.port}`);
    assert.equal(req?.path, '/echo');
    // An -H authorization is the user's choice and wins over the URL's.
    const own = await beamish(['-H', 'authorization: Bearer t', `ws://u:p@127.0.0.1:${server.port}/echo`], 'x\n');
    assert.equal(own.code, 0, own.stderr);
    const bearer = server.requests.filter((q) => q.headers.authorization?.startsWith('Bearer'));
    assert.deepEqual(
      bearer.map((q) => q.headers.authorization),
      ['Bearer t'],
    );
  });

  it('a refused connection to a URL with credentials does not print the password', async () => {
    const port = await freePort();
    const r = await beamish([`ws://user:hunter2@127.0.0.1:${port}/`]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `beamish: cannot connect to 127.0.0.1:${port}: {shutdown,econnrefused}`);
    const usage = await beamish(['get', `ws://user:hunter2@127.0.0.1:${port}/`]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^beamish: bad URL 'ws:\/\/user:\*\*\*@127\.0\.0\.1:\d+\/'/);
    assert.doesNotMatch(usage.stderr, /hunter2/);
  });
});

/**
 * A plain node:http server for `beamish get`: `/plain` (content-length),
 * `/chunked` (three chunks, 20 ms apart), `/hints` (a 103 first),
 * `/trailers`, `/cut` (the socket dies mid-body); 404 otherwise. No date
 * header, so that every printed line is known in advance.
 */
async function startHttp(
  tls = false,
): Promise<{ port: number; requests: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const requests: IncomingHttpHeaders[] = [];
  const handler: RequestListener = (req, res) => {
    requests.push(req.headers);
    res.sendDate = false;
    switch (req.url) {
      case '/plain':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 6 });
        res.end('hello\n');
        return;
      case '/chunked':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('one,');
        setTimeout(() => {
          res.write('two,');
          setTimeout(() => res.end('three'), 20);
        }, 20);
        return;
      case '/hints':
        res.writeEarlyHints({ link: '</style.css>; rel=preload' });
        res.writeHead(200, { 'content-length': 2 });
        res.end('ok');
        return;
      case '/trailers':
        res.writeHead(200, { trailer: 'x-checksum' });
        res.write('body');
        res.addTrailers({ 'x-checksum': 'abc' });
        res.end();
        return;
      case '/cut':
        res.writeHead(200, { 'content-length': 100 });
        res.write('partial');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      default:
        res.writeHead(404, { 'content-length': 0 });
        res.end();
    }
  };
  const server = tls
    ? https.createServer(
        { cert: readFileSync(`${fixtures}server.crt`), key: readFileSync(`${fixtures}server.key`) },
        handler,
      )
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The printed lines, with the pid and the ref made fixed. */
function lines(stdout: string): string[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => l.replace(/<0\.\d+\.0>/g, '<PID>').replace(/#Ref<[\d.]+>/g, '#Ref<REF>'));
}

const KEEP_ALIVE = '{<<"connection">>,<<"keep-alive">>},{<<"keep-alive">>,<<"timeout=5">>}';

describe('beamish get (one HTTP GET)', { concurrency: 3 }, () => {
  let web: Awaited<ReturnType<typeof startHttp>>;
  before(async () => {
    web = await startHttp();
  });
  after(() => web.close());

  it('prints gun_up, the response and its body in Erlang notation, and exits 0', async () => {
    const r = await beamish(['get', '-H', 'X-Token: abc', `http://127.0.0.1:${web.port}/plain`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(lines(r.stdout), [
      '{gun_up,<PID>,http}',
      `{gun_response,<PID>,#Ref<REF>,nofin,200,[{<<"content-type">>,<<"text/plain">>},{<<"content-length">>,<<"6">>},${KEEP_ALIVE}]}`,
      '{gun_data,<PID>,#Ref<REF>,fin,<<"hello\\n">>}',
    ]);
    assert.equal(web.requests.find((h) => h['x-token'] !== undefined)?.['x-token'], 'abc');
  });

  it('sends the credentials of an http:// URL as an authorization: Basic header', async () => {
    const r = await beamish(['get', `http://me:pw@127.0.0.1:${web.port}/plain`]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      web.requests.filter((h) => h.authorization !== undefined).map((h) => h.authorization),
      [`Basic ${Buffer.from('me:pw').toString('base64')}`],
    );
  });

  it('prints each piece of a chunked body as its own gun_data, the last one fin', async () => {
    const r = await beamish(['get', `http://127.0.0.1:${web.port}/chunked`]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [
      '{gun_up,<PID>,http}',
      `{gun_response,<PID>,#Ref<REF>,nofin,200,[{<<"content-type">>,<<"text/plain">>},${KEEP_ALIVE},{<<"transfer-encoding">>,<<"chunked">>}]}`,
      '{gun_data,<PID>,#Ref<REF>,nofin,<<"one,">>}',
      '{gun_data,<PID>,#Ref<REF>,nofin,<<"two,">>}',
      '{gun_data,<PID>,#Ref<REF>,fin,<<"three">>}',
    ]);
  });

  it('--js prints JS notation', async () => {
    const r = await beamish(['get', '--js', `http://127.0.0.1:${web.port}/chunked`]);
    assert.equal(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    assert.equal(out[0], "[ 'gun_up', <PID>, 'http' ]");
    assert.match(
      out[1] as string,
      /^\[ 'gun_response', <PID>, #Ref<REF>, 'nofin', 200, \[ \[ 'content-type', 'text\/plain' \]/,
    );
    assert.equal(out[4], "[ 'gun_data', <PID>, #Ref<REF>, 'fin', <Buffer 74 68 72 65 65> ]");
  });

  it('prints a 1xx as gun_inform, and trailers as gun_trailers (which end the stream)', async () => {
    const hints = await beamish(['get', `http://127.0.0.1:${web.port}/hints`]);
    assert.equal(hints.code, 0, hints.stderr);
    assert.deepEqual(lines(hints.stdout).slice(1, 2), [
      '{gun_inform,<PID>,#Ref<REF>,103,[{<<"link">>,<<"</style.css>; rel=preload">>}]}',
    ]);
    assert.equal(lines(hints.stdout).at(-1), '{gun_data,<PID>,#Ref<REF>,fin,<<"ok">>}');
    const trailers = await beamish(['get', `http://127.0.0.1:${web.port}/trailers`]);
    assert.equal(trailers.code, 0, trailers.stderr);
    assert.deepEqual(lines(trailers.stdout).slice(2), [
      '{gun_data,<PID>,#Ref<REF>,nofin,<<"body">>}',
      '{gun_trailers,<PID>,#Ref<REF>,[{<<"x-checksum">>,<<"abc">>}]}',
    ]);
  });

  it('a response that ends with its head (fin) exits 0, whatever the status', async () => {
    const r = await beamish(['get', `http://127.0.0.1:${web.port}/nothing-here`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      lines(r.stdout).at(-1),
      `{gun_response,<PID>,#Ref<REF>,fin,404,[{<<"content-length">>,<<"0">>},${KEEP_ALIVE}]}`,
    );
  });

  it('a stream error prints the gun_error, one line on stderr, and exits 1', async () => {
    const r = await beamish(['get', `http://127.0.0.1:${web.port}/cut`]);
    assert.equal(r.code, 1);
    assert.deepEqual(lines(r.stdout).slice(2), [
      '{gun_data,<PID>,#Ref<REF>,nofin,<<"partial">>}',
      '{gun_error,<PID>,#Ref<REF>,closed}',
    ]);
    assert.equal(r.stderr, 'beamish: stream error: closed\n');
  });

  it('a refused connection gets one clear line on stderr and exit code 1', async () => {
    const port = await freePort();
    const r = await beamish(['get', `http://127.0.0.1:${port}/`]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `beamish: cannot connect to 127.0.0.1:${port}: {shutdown,econnrefused}\n`);
  });

  it('https:// with --ca: verified against that CA; without it, refused, with a hint to use --ca', async () => {
    const secure = await startHttp(true);
    try {
      const r = await beamish(['get', '--ca', `${fixtures}ca.crt`, `https://localhost:${secure.port}/plain`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(lines(r.stdout).at(-1), '{gun_data,<PID>,#Ref<REF>,fin,<<"hello\\n">>}');
      const untrusted = await beamish(['get', `https://localhost:${secure.port}/plain`]);
      assert.equal(untrusted.code, 1);
      assert.equal(untrusted.stdout, '');
      const [failure, hint, ...rest] = untrusted.stderr.split('\n');
      assert.match(
        failure as string,
        /^beamish: cannot connect to localhost:\d+: \{shutdown,unable_to_verify_leaf_signature\}$/,
      );
      assert.match(hint as string, /^beamish: hint: .*CA this machine does not trust.*--ca file\.pem$/);
      assert.deepEqual(rest, ['']);
    } finally {
      await secure.close();
    }
  });

  it('bad usage gets one line on stderr and exit code 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['get', 'ws://127.0.0.1:1/'], /^beamish: bad URL 'ws:\/\/127\.0\.0\.1:1\/': expected http:\/\/ or https:\/\//],
      [['get', 'not a url'], /^beamish: bad URL 'not a url'/],
      [['get'], /^beamish: missing the URL/],
      [['get', '--frobnicate', 'http://127.0.0.1:1/'], /^beamish: unknown option --frobnicate/],
      [['get', '-s', 'chat', 'http://127.0.0.1:1/'], /^beamish: unknown option -s/],
      [['get', '-H', 'bad header: x', 'http://127.0.0.1:1/'], /^beamish: .*not a valid header name/],
      [['http://127.0.0.1:1/'], /^beamish: bad URL .*expected ws:\/\/ or wss:\/\/ \(for a GET: beamish get /],
      [
        ['get', '--ca', '/nonexistent/ca.pem', 'http://127.0.0.1:1/'],
        /^beamish: cannot read --ca \/nonexistent\/ca\.pem: ENOENT/,
      ],
    ];
    // The rules themselves are tested in-process (args.test.ts); these show
    // that each mistake reaches stderr as one line and exit code 2. In
    // parallel: each run is a Node start-up.
    const results = await Promise.all(cases.map(([args]) => beamish(args)));
    for (const [i, [args, message]] of cases.entries()) {
      const r = results[i] as Result;
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, message);
    }
  });

  it('--help tells of both commands', async () => {
    const r = await beamish(['get', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /beamish get \[options\] http:\/\/host:port\/path/);
    assert.match(r.stdout, /beamish \[options\] ws:\/\/host:port\/path/);
  });
});
