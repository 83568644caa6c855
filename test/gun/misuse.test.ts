import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as gun from '../../src/gun/index.js';
import { _, BadArgError, flush, receive, run, self, spawn } from '../../src/runtime/index.js';
import { upgraded } from '../helpers/gun.js';
import { startServer, type TestServer } from '../helpers/servers.js';

const T = 2000;
let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

describe('Gun misuse: clear errors at the call, the connection unharmed', () => {
  it('bad frames are refused with BadArgError; good frames after them still work', () =>
    run(async () => {
      const pid = await upgraded(server.port, { retry: 0 }, '/echo');
      const big = Buffer.alloc(126);
      const cases: Array<[unknown, RegExp]> = [
        [['ping', big], /at most 125 bytes/],
        [['pong', 'x'.repeat(126)], /at most 125 bytes/],
        [['close', 1000, 'r'.repeat(124)], /at most 125 bytes/],
        [['close', 999, 'x'], /close code 999 cannot be sent/],
        [['close', 1005, ''], /close code 1005/],
        [['close', 1006], /close code 1006/],
        [['close', 2000, ''], /close code 2000/],
        [['close', 5000, ''], /close code 5000/],
        [['close', 1000.5], /close code/],
        [['text', 42], /payload must be a string or a Buffer/],
        [['text', Buffer.from([0xff, 0xfe])], /valid UTF-8/],
        [['binary', 'text'], /binary frame takes a Buffer/],
        [['bogus', 'x'], /is not a frame/],
        ['hello', /is not a frame/],
        [42, /is not a frame/],
        [[], /non-empty list/],
        [[['text', 'ok'], ['nope']], /frames\[1\]/],
      ];
      for (const [frame, message] of cases) {
        assert.throws(() => gun.wsSend(pid, frame as gun.OutgoingFrame), BadArgError);
        assert.throws(() => gun.wsSend(pid, frame as gun.OutgoingFrame), message);
      }
      // The largest legal control payloads pass.
      gun.wsSend(pid, ['ping', Buffer.alloc(125)]);
      gun.wsSend(pid, ['text', 'still fine']);
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['text', 'still fine']]);
      const reason = 'r'.repeat(123);
      gun.wsSend(pid, ['close', 1000, reason]);
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['close', 1000, reason]]);
      assert.deepEqual(flush(), []);
    }));

  it('header injection and bad header names are refused', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', server.port, { retry: 0 });
      assert.throws(() => gun.wsUpgrade(pid, '/echo', [['x-evil', 'a\r\nhost: evil']]), /U\+000D.*header injection/);
      assert.throws(() => gun.wsUpgrade(pid, '/echo', { 'x-evil': 'a\nb' }), BadArgError);
      assert.throws(() => gun.wsUpgrade(pid, '/echo', [['bad name', 'v']]), /not a valid header name/);
      assert.throws(() => gun.wsUpgrade(pid, '/echo', [['x\r\ny', 'v']]), /not a valid header name/);
      // @ts-expect-error values are strings
      assert.throws(() => gun.wsUpgrade(pid, '/echo', [['x-n', 1]]), /must be a string/);
      // @ts-expect-error headers are pairs or an object
      assert.throws(() => gun.wsUpgrade(pid, '/echo', 'x: y'), /pairs or a plain object/);
      assert.throws(() => gun.wsUpgrade(pid, 'no-slash'), /path/);
      assert.throws(() => gun.wsUpgrade(pid, '/a b'), /path/);
      assert.throws(() => gun.wsUpgrade(pid, '/a\r\nb'), /path/);
      // @ts-expect-error unknown ws option
      assert.throws(() => gun.wsUpgrade(pid, '/', undefined, { keepAlive: 5 }), /wsOpts\.keepAlive/);
      // Nothing reached the connection: it upgrades normally.
      gun.wsUpgrade(pid, '/echo');
      assert.deepEqual(await receive([['gun_ws_upgrade', pid, _]], T), ['gun_ws_upgrade', pid, 'ok']);
      assert.ok(server.requests.every((r) => r.headers['x-evil'] === undefined));
      gun.close(pid);
    }));

  it('bad options to open throw at once, naming the option', () => {
    const bad: Array<[() => unknown, RegExp]> = [
      // @ts-expect-error host
      [() => gun.open(42, 80), /'host'/],
      [() => gun.open('', 80), /'host'/],
      [() => gun.open('localhost', 0), /'port'/],
      [() => gun.open('localhost', 70000), /'port'/],
      [() => gun.open('localhost', 80.5), /'port'/],
      // @ts-expect-error unknown option
      [() => gun.open('localhost', 80, { retries: 3 }), /'opts\.retries'/],
      [() => gun.open('localhost', 80, { retry: -1 }), /'opts\.retry'/],
      [() => gun.open('localhost', 80, { retryTimeout: Number.NaN }), /'opts\.retryTimeout'/],
      [() => gun.open('localhost', 80, { connectTimeout: -5 }), /'opts\.connectTimeout'/],
      // @ts-expect-error transport
      [() => gun.open('localhost', 80, { transport: 'udp' }), /'opts\.transport'/],
      // @ts-expect-error dialect
      [() => gun.open('localhost', 80, { dialect: 'gun3' }), /'opts\.dialect'/],
      [() => gun.open('localhost', 80, { wsOpts: { keepalive: 0 } }), /'opts\.wsOpts\.keepalive'/],
      [() => gun.open('localhost', 80, { wsOpts: { flow: 0 } }), /'opts\.wsOpts\.flow'/],
      // @ts-expect-error protocols
      [() => gun.open('localhost', 80, { wsOpts: { protocols: 'chat' } }), /'opts\.wsOpts\.protocols'/],
      [() => gun.open('localhost', 80, { wsOpts: { protocols: ['bad name'] } }), /'opts\.wsOpts\.protocols'/],
      // @ts-expect-error silencePings
      [() => gun.open('localhost', 80, { wsOpts: { silencePings: 'no' } }), /'opts\.wsOpts\.silencePings'/],
      // @ts-expect-error owner
      [() => gun.open('localhost', 80, { owner: 'me' }), /'opts\.owner'/],
      // replyTo names who gets one upgrade's messages: wsUpgrade's option, not open's.
      [() => gun.open('localhost', 80, { wsOpts: { replyTo: self() } }), /'opts\.wsOpts\.replyTo'.*wsUpgrade/],
      [() => gun.open('localhost', 80, { dialect: 'gun3' as 'gun2' }), /'opts\.dialect'/],
      [() => gun.open('localhost', 80, { httpOpts: { version: 'HTTP/2' as 'HTTP/1.1' } }), /'opts\.httpOpts\.version'/],
    ];
    for (const [call, message] of bad) {
      assert.throws(call, BadArgError);
      assert.throws(call, message);
    }
  });

  it('calls on a pid that is not a Gun connection are refused', () => {
    const other = spawn(() => undefined);
    assert.throws(() => gun.wsUpgrade(other as gun.ConnPid, '/'), /pid of a Gun connection/);
    assert.throws(() => gun.wsSend(self() as gun.ConnPid, 'ping'), BadArgError);
    // @ts-expect-error not a pid at all
    assert.throws(() => gun.shutdown('conn'), BadArgError);
    assert.throws(() => gun.updateFlow(self() as gun.ConnPid, 1), BadArgError);
  });

  it('updateFlow refuses a non-positive increment', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', server.port, { retry: 0 });
      assert.throws(() => gun.updateFlow(pid, 0), /whole number > 0/);
      assert.throws(() => gun.updateFlow(pid, 1.5), BadArgError);
      gun.close(pid);
    }));

  // Each of these once passed the checks at the call, then failed inside the
  // connection (ws or Node's http client threw: a crash, later an
  // internal_error) or reached the server changed: now refused at the call.

  it('a path that is not an origin-form request target is refused at the call; a legal one is sent as given', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', server.port, { retry: 0 });
      const bad: Array<[string, RegExp]> = [
        ['/echo#frag', /'#' at index 5 starts a fragment/],
        ['/#', /fragment/],
        ['/a?b#c', /fragment/],
        ['/a\tb', /U\+0009 at index 2 must be percent-encoded/],
        ['/a\x00', /U\+0000/],
        ['/a\x7f', /U\+007F/],
        ['/caf\u00e9', /U\+00E9 at index 4/],
        ['/\u{1f600}', /U\+1F600/],
        ['/a?b c', /U\+0020/],
        ['/{x}', /U\+007B/],
        ['/a\\b', /U\+005C/],
        ['/a?x[]=1', /U\+005B/],
        ['/%zz', /'%' at index 1 does not start a %XX escape/],
        ['/a?%4', /%XX escape/],
      ];
      for (const [path, message] of bad) {
        assert.throws(() => gun.wsUpgrade(pid, path), BadArgError);
        assert.throws(() => gun.wsUpgrade(pid, path), message);
      }
      // Every RFC 3986 character a target may hold reaches the server unchanged.
      const legal = "/sink/a-b.c_d~e!$&'()*+,;=:@%41%c3%A9//x?q=1&r=/p?s:@!$()*+,;=%20";
      gun.wsUpgrade(pid, legal);
      assert.deepEqual(await receive([['gun_ws_upgrade', pid, _]], T), ['gun_ws_upgrade', pid, 'ok']);
      assert.equal(server.requests.at(-1)?.path, legal);
      assert.deepEqual(flush(), []);
      gun.close(pid);
    }));

  it('a subprotocol given twice in wsOpts.protocols or in sec-websocket-protocol is refused at the call', () =>
    run(async () => {
      assert.throws(
        () => gun.open('127.0.0.1', server.port, { wsOpts: { protocols: ['a', 'b', 'a'] } }),
        /'opts\.wsOpts\.protocols'.*'a' is listed twice/,
      );
      const pid = gun.open('127.0.0.1', server.port, { retry: 0 });
      const bad: Array<[gun.HeadersInput | undefined, gun.WsOptions | undefined, RegExp]> = [
        [undefined, { protocols: ['mychat', 'mychat'] }, /'wsOpts\.protocols'.*'mychat' is listed twice/],
        [{ 'sec-websocket-protocol': 'mychat, mychat' }, undefined, /'mychat' is offered twice/],
        [[['sec-websocket-protocol', 'a,b,,a']], undefined, /'a' is offered twice/],
        [
          [
            ['sec-websocket-protocol', 'mychat'],
            ['Sec-WebSocket-Protocol', 'mychat'],
          ],
          undefined,
          /'mychat' is offered twice/,
        ],
      ];
      for (const [headers, wsOpts, message] of bad) {
        assert.throws(() => gun.wsUpgrade(pid, '/echo', headers, wsOpts), BadArgError);
        assert.throws(() => gun.wsUpgrade(pid, '/echo', headers, wsOpts), message);
      }
      gun.wsUpgrade(pid, '/echo');
      assert.deepEqual(await receive([['gun_ws_upgrade', pid, _]], T), ['gun_ws_upgrade', pid, 'ok']);
      gun.close(pid);
    }));

  it('a subprotocol given in both sec-websocket-protocol and wsOpts.protocols is offered once, and the upgrade succeeds', () =>
    run(async () => {
      /** The subprotocols the server saw offered in the newest upgrade request. */
      const offered = () =>
        String(server.requests.at(-1)?.headers['sec-websocket-protocol'])
          .split(',')
          .map((p) => p.trim());
      // In the header and in this upgrade's options.
      let pid = await upgraded(server.port, { retry: 0 }, '/echo', [['sec-websocket-protocol', 'mychat']], {
        protocols: ['mychat'],
      });
      assert.deepEqual(offered(), ['mychat']);
      gun.close(pid);
      // In the header and in the connection's options, among others.
      pid = await upgraded(server.port, { retry: 0, wsOpts: { protocols: ['mychat', 'v2'] } }, '/echo', {
        'sec-websocket-protocol': 'other, mychat',
      });
      assert.deepEqual(offered().sort(), ['mychat', 'other', 'v2']);
      // The upgraded connection works.
      gun.wsSend(pid, ['text', 'hi']);
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['text', 'hi']]);
      gun.close(pid);
    }));

  it('a header value with a control character, DEL or a character above U+00FF is refused, naming the header', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', server.port, { retry: 0 });
      const bad: Array<[string, RegExp]> = [
        ['a\x01b', /U\+0001 at index 1/],
        ['\x1b[31mred', /U\+001B at index 0/],
        ['a\x7f', /U\+007F/],
        ['a\x0bb', /U\+000B/],
        ['\u0100', /U\+0100/],
        ['a\u2028b', /U\+2028/],
        ['\u{1f600}', /U\+1F600/],
      ];
      for (const [value, message] of bad) {
        assert.throws(() => gun.wsUpgrade(pid, '/echo', [['X-Bad', value]]), BadArgError);
        assert.throws(() => gun.wsUpgrade(pid, '/echo', [['X-Bad', value]]), /the value of 'X-Bad'/);
        assert.throws(() => gun.wsUpgrade(pid, '/echo', { 'x-bad': value }), message);
      }
      // SP, HTAB and Latin-1 are legal, and arrive as given.
      gun.wsUpgrade(pid, '/echo', { 'x-latin': 'caf\u00e9\tand \u00ff' });
      assert.deepEqual(await receive([['gun_ws_upgrade', pid, _]], T), ['gun_ws_upgrade', pid, 'ok']);
      assert.equal(server.requests.at(-1)?.headers['x-latin'], 'caf\u00e9\tand \u00ff');
      gun.close(pid);
    }));

  it("a sec-websocket-protocol value that is not a comma-separated list of tokens is refused; 'a, b' is two names", () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', server.port, { retry: 0 });
      for (const value of ['a b', 'mychat, my chat', 'chat;q=1', '"chat"', 'a/b', 'caf\u00e9', 'chat\u00a0']) {
        assert.throws(() => gun.wsUpgrade(pid, '/echo', { 'sec-websocket-protocol': value }), BadArgError);
        assert.throws(
          () => gun.wsUpgrade(pid, '/echo', { 'sec-websocket-protocol': value }),
          /in sec-websocket-protocol is not a subprotocol name/,
        );
      }
      // Optional whitespace and empty elements around the commas are fine.
      gun.wsUpgrade(pid, '/echo', { 'sec-websocket-protocol': ' other ,\t, mychat ' });
      assert.deepEqual(await receive([['gun_ws_upgrade', pid, _]], T), ['gun_ws_upgrade', pid, 'ok']);
      const offered = String(server.requests.at(-1)?.headers['sec-websocket-protocol']);
      assert.deepEqual(
        offered.split(',').map((p) => p.trim()),
        ['other', 'mychat'],
      );
      gun.close(pid);
    }));

  it('a string payload that is not well-formed Unicode (a lone surrogate) is refused, not sent as U+FFFD', () =>
    run(async () => {
      const pid = await upgraded(server.port, { retry: 0 }, '/echo');
      const bad: Array<[unknown, RegExp]> = [
        [['text', 'a\ud800b'], /text payload is not well-formed Unicode/],
        [['text', '\udc00'], /not well-formed/],
        [['text', 'end\ud83d'], /not well-formed/],
        [['close', 1000, 'bye\udfff'], /close reason payload is not well-formed/],
        [['ping', '\ud800'], /ping payload is not well-formed/],
        [
          [
            ['text', 'ok'],
            ['text', 'x\ud800'],
          ],
          /frames\[1\]/,
        ],
      ];
      for (const [frame, message] of bad) {
        assert.throws(() => gun.wsSend(pid, frame as gun.OutgoingFrame), BadArgError);
        assert.throws(() => gun.wsSend(pid, frame as gun.OutgoingFrame), message);
      }
      // A surrogate pair, and U+FFFD itself, are well-formed: sent and echoed as given.
      const text = 'smile \u{1f600} \ufffd caf\u00e9';
      gun.wsSend(pid, ['text', text]);
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['text', text]]);
      gun.wsSend(pid, ['close', 1000, '\u{1f600}']);
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['close', 1000, '\u{1f600}']]);
    }));
});
