import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as gun from '../../src/gun/index.js';
import { anyBuffer, anyNumber, flush, match, receive, run, self, send } from '../../src/runtime/index.js';
import { startServer, type TestServer } from '../helpers/servers.js';

/**
 * gun.anyFrame, gun.anyHeaders, gun.anyIsFin: the pattern elements that type
 * a received message as the dialect's message (test/types/patterns.types.ts
 * pins the types). Here: they match what a connection sends, and nothing
 * that is not shaped so, since the type they give must hold.
 */
const T = 2000;
let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

describe('gun.anyFrame, anyHeaders, anyIsFin', () => {
  it('anyFrame matches each shape of an IncomingFrame, and nothing else', () => {
    const frames: unknown[] = [
      'close',
      'ping',
      'pong',
      ['text', 'hi'],
      ['text', ''],
      ['binary', Buffer.from([1])],
      ['close', 1000, 'bye'],
      ['ping', Buffer.alloc(0)],
      ['pong', Buffer.from('x')],
    ];
    for (const f of frames) assert.equal(match(gun.anyFrame, f), true, `${String(f)}`);
    const notFrames: unknown[] = [
      'text',
      'hello',
      ['text', Buffer.from('hi')], // received text is a string
      ['binary', 'x'],
      ['close', 1000],
      ['close', '1000', 'bye'],
      ['ping', 'x'],
      ['text', 'a', 'b'],
      [],
      null,
      undefined,
      { text: 'hi' },
    ];
    for (const v of notFrames) assert.equal(match(gun.anyFrame, v), false, `${String(v)}`);
  });

  it('anyHeaders matches lists of string pairs; anyIsFin matches fin and nofin', () => {
    assert.equal(match(gun.anyHeaders, []), true);
    assert.equal(
      match(gun.anyHeaders, [
        ['a', 'b'],
        ['a', ''],
      ]),
      true,
    );
    for (const v of [[['a']], [['a', 1]], [['a', 'b', 'c']], ['ab'], 'a: b', { a: 'b' }, null]) {
      assert.equal(match(gun.anyHeaders, v), false, JSON.stringify(v));
    }
    assert.equal(match(gun.anyIsFin, 'fin'), true);
    assert.equal(match(gun.anyIsFin, 'nofin'), true);
    for (const v of ['done', true, undefined]) assert.equal(match(gun.anyIsFin, v), false, String(v));
  });

  it('classic: the frames a connection delivers match; a misshapen message stays queued', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', server.port, { retry: 0 });
      gun.wsUpgrade(pid, '/echo');
      await receive([['gun_ws_upgrade', pid, 'ok']], T);
      // A message with the right tag and pid but no frame: anyFrame leaves it.
      send(self(), ['gun_ws', pid, ['text', 42]]);
      gun.wsSend(pid, [
        ['text', 'hello'],
        ['binary', Buffer.from([1, 2])],
      ]);
      const m1: gun.ClassicMessage = await receive([['gun_ws', pid, gun.anyFrame]], T);
      const m2: gun.ClassicMessage = await receive([['gun_ws', pid, gun.anyFrame]], T);
      assert.deepEqual(m1, ['gun_ws', pid, ['text', 'hello']]);
      assert.deepEqual(m2, ['gun_ws', pid, ['binary', Buffer.from([1, 2])]]);
      assert.deepEqual(flush(), [['gun_ws', pid, ['text', 42]]]);
      gun.close(pid);
    }));

  it('classic: a refused upgrade matches with anyIsFin, anyNumber and anyHeaders', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', server.port, { retry: 0 });
      gun.wsUpgrade(pid, '/refuse400');
      const [, , , isFin, status, headers] = await receive(
        [['gun_ws_upgrade', pid, 'error', gun.anyIsFin, anyNumber, gun.anyHeaders]],
        T,
      );
      assert.equal(isFin, 'nofin');
      assert.equal(status, 400);
      assert.ok(headers.some(([n, v]) => n === 'content-type' && v === 'text/plain'));
      const [, , fin, body] = await receive([['gun_data', pid, gun.anyIsFin, anyBuffer]], T);
      assert.equal(fin, 'fin');
      assert.equal(body.toString(), 'bad request!');
      gun.close(pid);
    }));

  it('gun2: the upgrade and the frames match, named by the stream ref', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', server.port, { retry: 0, dialect: 'gun2' });
      const ref = gun.wsUpgrade(pid, '/echo');
      const up: gun.Gun2Message = await receive([['gun_upgrade', pid, ref, ['websocket'], gun.anyHeaders]], T);
      assert.ok(up[4].some(([n]) => n === 'upgrade'));
      gun.wsSend(pid, ref, ['text', 'hi']);
      const m: gun.Gun2Message = await receive([['gun_ws', pid, ref, gun.anyFrame]], T);
      assert.deepEqual(m, ['gun_ws', pid, ref, ['text', 'hi']]);
      gun.close(pid);
      flush();
    }));
});
