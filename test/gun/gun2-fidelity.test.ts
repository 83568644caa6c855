/**
 * Where beamish's Gun followed real Gun 2.4.1 less closely than it could,
 * each case named for the Gun source it follows: what real Gun sent, in
 * order, against the same server bytes (checked with Gun 2.4.1 built from
 * ninenines' sources, driving raw gen_tcp origins that wrote these bytes).
 * Real sockets on 127.0.0.1: raw TCP origins that answer byte for byte, a
 * cowboy-like server, a `ws` server.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import * as gun from '../../src/gun/index.js';
import { _, BadArgError, makeRef, receive, run, sleep } from '../../src/runtime/index.js';
import { type CowboyLikeServer, startCowboyLike } from '../helpers/cowboy-like.js';
import { type RawOrigin, startRawOrigin } from '../helpers/raw-origin.js';
import { freePort } from '../helpers/servers.js';

const T = 3000;

let cowboy: CowboyLikeServer;
before(async () => {
  cowboy = await startCowboyLike();
});
after(() => cowboy.close());

/** The next message in the mailbox, whatever it is (the test process gets only Gun's). */
const next = async (): Promise<unknown> => receive([_], T);

/** Calls `then` once `s` has sent `n` request heads (CRLF CRLF), with all it sent. */
function onHeads(s: net.Socket, n: number, then: (got: string) => void): void {
  let got = '';
  s.on('data', function collect(chunk: Buffer) {
    got += chunk.toString('latin1');
    if (got.split('\r\n\r\n').length - 1 < n) return;
    s.off('data', collect);
    then(got);
  });
}

/**
 * An origin whose first connection gets `first` (once it has `heads`
 * request heads) and whose later ones get `200 ok` to each request, with
 * what each connection sent.
 */
async function origin(heads: number, first: (s: net.Socket) => void): Promise<RawOrigin & { readonly got: string[] }> {
  const got: string[] = [];
  const o = await startRawOrigin((s) => {
    const i = got.push('') - 1;
    onHeads(s, i === 0 ? heads : 1, (text) => {
      got[i] = text;
      if (i === 0) first(s);
      else s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    });
  });
  return Object.assign(o, { got });
}

describe('gun2 fidelity: connection: close with requests pipelined behind it (issue 15, item 1)', () => {
  it('gun_http.erl handle_response/close_streams: closing to each stream behind at once, before the last gun_data; gun_down lists none; a request made while closing goes on the next connection', () =>
    run(async () => {
      let rest: () => void = () => undefined;
      const o = await origin(3, (s) => {
        s.write('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 5\r\n\r\nhel');
        rest = () => s.end('lo');
      });
      const pid = gun.open('127.0.0.1', o.port, { dialect: 'gun2', retry: 1 });
      try {
        assert.deepEqual(await gun.awaitUp(pid, T), ['ok', 'http']);
        const [r1, r2, r3] = [gun.get(pid, '/1'), gun.get(pid, '/2'), gun.get(pid, '/3')];
        assert.deepEqual(await next(), [
          'gun_response',
          pid,
          r1,
          'nofin',
          200,
          [
            ['connection', 'close'],
            ['content-length', '5'],
          ],
        ]);
        assert.deepEqual(await next(), ['gun_error', pid, r2, 'closing']);
        assert.deepEqual(await next(), ['gun_error', pid, r3, 'closing']);
        assert.deepEqual(await next(), ['gun_data', pid, r1, 'nofin', Buffer.from('hel')]);
        // The connection is closing: a new request waits for the next one.
        assert.equal((await gun.info(pid)).stateName, 'closing');
        const r4 = gun.get(pid, '/4');
        rest();
        assert.deepEqual(await next(), ['gun_data', pid, r1, 'fin', Buffer.from('lo')]);
        assert.deepEqual(await next(), ['gun_down', pid, 'http', 'normal', []]);
        assert.deepEqual(await next(), ['gun_up', pid, 'http']);
        assert.deepEqual(await next(), ['gun_response', pid, r4, 'nofin', 200, [['content-length', '2']]]);
        assert.deepEqual(await next(), ['gun_data', pid, r4, 'fin', Buffer.from('ok')]);
        assert.match(o.got[1] ?? '', /^GET \/4 HTTP\/1\.1\r\n/);
        assert.equal(o.got.length, 2);
      } finally {
        gun.close(pid);
        await o.close();
      }
    }));

  it('a connection: close response without a body: the streams behind it get {closed, normal} and are listed (Gun 2.4.1 tells the answered stream too: kept ours, docs/porting.md)', () =>
    run(async () => {
      const o = await origin(3, (s) => s.end('HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n'));
      const pid = gun.open('127.0.0.1', o.port, { dialect: 'gun2', retry: 0 });
      try {
        const [r1, r2, r3] = [gun.get(pid, '/1'), gun.get(pid, '/2'), gun.get(pid, '/3')];
        assert.deepEqual(await receive([['gun_up', pid, _]], T), ['gun_up', pid, 'http']);
        assert.deepEqual(await next(), ['gun_response', pid, r1, 'fin', 204, [['connection', 'close']]]);
        assert.deepEqual(await next(), ['gun_error', pid, r2, ['closed', 'normal']]);
        assert.deepEqual(await next(), ['gun_error', pid, r3, ['closed', 'normal']]);
        assert.deepEqual(await next(), ['gun_down', pid, 'http', 'normal', [r2, r3]]);
      } finally {
        gun.close(pid);
        await o.close();
      }
    }));

  it('gun.erl closing/3 with retry 0: a request made while closing is refused at once with closing (issue 15, item 14)', () =>
    run(async () => {
      const o = await origin(1, (s) => s.write('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 5\r\n\r\nhel'));
      const pid = gun.open('127.0.0.1', o.port, { dialect: 'gun2', retry: 0 });
      try {
        const r1 = gun.get(pid, '/1');
        assert.deepEqual(await next(), ['gun_up', pid, 'http']);
        assert.equal((await receive([['gun_response', pid, r1, _, _, _]], T))[4], 200);
        await receive([['gun_data', pid, r1, 'nofin', _]], T);
        // The premise: closing, the body still unfinished (the origin holds it).
        assert.equal((await gun.info(pid)).stateName, 'closing');
        const r2 = gun.get(pid, '/2');
        const ws = gun.wsUpgrade(pid, '/ws');
        assert.deepEqual(await next(), ['gun_error', pid, r2, 'closing']);
        assert.deepEqual(await next(), ['gun_error', pid, ws, 'closing']);
        assert.equal(o.got.length, 1, 'nothing was sent for them');
      } finally {
        gun.close(pid);
        await o.close();
      }
    }));
});

describe('gun2 fidelity: calls and their answers (issue 15, items 2, 3, 5)', () => {
  it('gun_http.erl data/7: data on a finished stream is {badstate, "The stream has already been closed."} (item 2)', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', cowboy.port, { dialect: 'gun2' });
      try {
        const ref = gun.get(pid, '/');
        assert.equal((await gun.awaitBody(pid, ref, T))[0], 'ok');
        gun.data(pid, ref, 'fin', 'late');
        assert.deepEqual(await receive([['gun_error', pid, ref, _]], T), [
          'gun_error',
          pid,
          ref,
          ['badstate', 'The stream has already been closed.'],
        ]);
      } finally {
        gun.close(pid);
      }
    }));

  it('gun.erl info/1 (sys:get_state): info made right after open waits for the connect, then says connected with the socket address (item 3)', () =>
    run(async () => {
      for (const dialect of ['gun2', 'classic'] as const) {
        const pid = gun.open('127.0.0.1', cowboy.port, { dialect });
        try {
          const info = await gun.info(pid);
          assert.equal(info.stateName, 'connected', dialect);
          assert.equal(info.protocol, 'http');
          assert.equal(info.sockIp, '127.0.0.1');
          assert.equal(typeof info.sockPort, 'number');
        } finally {
          gun.close(pid);
        }
      }
    }));

  it("gun.erl not_connected/3: while waiting to retry, gun2's info says domain_lookup (as Gun 2.4.1 does 0 and 100 ms after open to a closed port), classic's not_connected (item 3)", () =>
    run(async () => {
      const port = await freePort();
      for (const [dialect, name] of [
        ['gun2', 'domain_lookup'],
        ['classic', 'not_connected'],
      ] as const) {
        const pid = gun.open('127.0.0.1', port, { dialect, retry: 5, retryTimeout: 5000 });
        try {
          assert.equal((await gun.info(pid)).stateName, name);
          await sleep(100);
          const info = await gun.info(pid);
          assert.equal(info.stateName, name);
          assert.equal(info.protocol, undefined);
          assert.deepEqual(await gun.streamInfo(pid, makeRef()), ['error', 'not_connected']);
        } finally {
          gun.close(pid);
        }
      }
    }));

  it('gun.erl stream_info: without proxies a stream has no intermediaries or tunnel key (item 3)', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', cowboy.port, { dialect: 'gun2' });
      try {
        const ref = gun.get(pid, '/delayed?ms=300');
        const [ok, info] = await gun.streamInfo(pid, ref);
        assert.equal(ok, 'ok');
        assert.deepEqual(Object.keys(info ?? {}).sort(), ['ref', 'replyTo', 'state']);
      } finally {
        gun.close(pid);
      }
    }));

  it('gun_http.erl handle/5 with no stream: a response no request waits for closes the connection, normal, with no error (item 5)', () =>
    run(async () => {
      // As Cowboy answers 400 to bytes it did not ask for, unprompted.
      const o = await startRawOrigin((s) =>
        s.write('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n'),
      );
      const pid = gun.open('127.0.0.1', o.port, { dialect: 'gun2', retry: 0 });
      try {
        assert.deepEqual(await next(), ['gun_up', pid, 'http']);
        assert.deepEqual(await next(), ['gun_down', pid, 'http', 'normal', []]);
      } finally {
        gun.close(pid);
        await o.close();
      }
    }));
});

describe('gun2 fidelity: subprotocols (issue 15, item 4)', () => {
  let wss: WebSocketServer;
  let port: number;
  const heard: string[] = [];
  before(async () => {
    // Picks the first subprotocol the client listed, wherever it listed it.
    wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      handleProtocols: (protocols) => [...protocols][0] ?? false,
    });
    wss.on('headers', (_headers, req) => heard.push(String(req.headers['sec-websocket-protocol'])));
    await new Promise((resolve) => wss.once('listening', resolve));
    port = (wss.address() as net.AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => wss.close(() => resolve())));

  it('gun_ws.erl select_protocol: in gun2 a sec-websocket-protocol header is no offer: the server choosing from it fails the upgrade and the connection goes down', () =>
    run(async () => {
      heard.length = 0;
      const pid = gun.open('127.0.0.1', port, { dialect: 'gun2', retry: 0 });
      try {
        const ref = gun.wsUpgrade(pid, '/', [['sec-websocket-protocol', 'chat']]);
        const [, , , reason, killed] = (await receive([['gun_down', pid, 'http', _, _]], T)) as unknown[];
        assert.deepEqual(killed, [ref]);
        assert.match(JSON.stringify(reason), /The server chose a subprotocol that was not offered: 'chat'/);
        assert.deepEqual(heard, ['chat'], 'the header went out as given');
        const upgraded = await receive([['gun_upgrade', pid, ref, _, _]], 0).then(
          () => true,
          () => false,
        );
        assert.equal(upgraded, false);
      } finally {
        gun.close(pid);
      }
    }));

  it('in gun2, wsOpts.protocols is the offer: the same server chooses from it and the upgrade succeeds', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', port, { dialect: 'gun2' });
      try {
        const ref = gun.wsUpgrade(pid, '/', [], { protocols: ['chat'] });
        const up = (await receive([['gun_upgrade', pid, ref, _, _]], T)) as unknown[];
        assert.deepEqual(
          (up[4] as [string, string][]).find(([n]) => n === 'sec-websocket-protocol'),
          ['sec-websocket-protocol', 'chat'],
        );
      } finally {
        gun.close(pid);
      }
    }));

  it("the classic dialect keeps the seed's rule: the header is an offer", () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', port);
      try {
        gun.wsUpgrade(pid, '/', [['sec-websocket-protocol', 'chat']]);
        assert.deepEqual(await receive([['gun_ws_upgrade', pid, _]], T), ['gun_ws_upgrade', pid, 'ok']);
      } finally {
        gun.close(pid);
      }
    }));
});

describe('httpOpts block limits (issue 15, item 17)', () => {
  it("gun_http.erl max_header_block_size / max_trailer_block_size: open's httpOpts set them", () =>
    run(async () => {
      const head = `HTTP/1.1 200 OK\r\nx-pad: ${'p'.repeat(300)}\r\ncontent-length: 0\r\n\r\n`;
      const trailers = `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\nx-t: ${'t'.repeat(300)}\r\n\r\n`;
      for (const [bytes, opts, text] of [
        [head, { maxHeaderBlockSize: 200 }, 'The response header block is too large.'],
        [trailers, { maxTrailerBlockSize: 200 }, 'The response trailer block is too large.'],
      ] as const) {
        const o = await startRawOrigin((s) => onHeads(s, 1, () => s.write(bytes)));
        const pid = gun.open('127.0.0.1', o.port, { dialect: 'gun2', retry: 0, httpOpts: opts });
        try {
          gun.get(pid, '/');
          assert.deepEqual(await receive([['gun_error', pid, _]], T), [
            'gun_error',
            pid,
            ['connection_error', 'limit_reached', text],
          ]);
        } finally {
          gun.close(pid);
          await o.close();
        }
        // The defaults (Gun's 100000 and 10000) take the same bytes.
        const fine = await startRawOrigin((s) => onHeads(s, 1, () => s.write(bytes)));
        const ok = gun.open('127.0.0.1', fine.port, { dialect: 'gun2', retry: 0 });
        try {
          const ref = gun.get(ok, '/');
          assert.equal((await gun.await(ok, ref, T))[0], 'response');
        } finally {
          gun.close(ok);
          await fine.close();
        }
      }
    }));

  it('a bad limit is a BadArgError at open, naming the option', () => {
    for (const [opts, name] of [
      [{ maxHeaderBlockSize: 0 }, 'opts.httpOpts.maxHeaderBlockSize'],
      [{ maxHeaderBlockSize: 1.5 }, 'opts.httpOpts.maxHeaderBlockSize'],
      [{ maxTrailerBlockSize: '10' }, 'opts.httpOpts.maxTrailerBlockSize'],
      [{ maxTrailerBlockSize: Infinity }, 'opts.httpOpts.maxTrailerBlockSize'],
    ] as const) {
      assert.throws(
        () => gun.open('127.0.0.1', 1, { httpOpts: opts as gun.HttpOptions }),
        (err: unknown) => err instanceof BadArgError && err.message.includes(name),
      );
    }
  });
});
