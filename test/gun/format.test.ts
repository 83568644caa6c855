import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGunMessage } from '../../src/gun/index.js';
import { ErlangList, formatTerm, makeRef, self } from '../../src/runtime/index.js';

describe('formatGunMessage', () => {
  it('prints payloads and headers as Erlang Gun shows them', () => {
    const pid = self();
    assert.equal(formatGunMessage(['gun_ws', pid, ['text', 'ok']]), `{gun_ws,${pid},{text,<<"ok">>}}`);
    assert.equal(formatGunMessage(['gun_ws', pid, ['close', 1000, 'bye']]), `{gun_ws,${pid},{close,1000,<<"bye">>}}`);
    assert.equal(formatGunMessage(['gun_ws', pid, 'close']), `{gun_ws,${pid},close}`);
    assert.equal(
      formatGunMessage(['gun_ws_upgrade', pid, 'error', 'fin', 404, [['server', 'x']]]),
      `{gun_ws_upgrade,${pid},error,fin,404,[{<<"server">>,<<"x">>}]}`,
    );
    assert.equal(
      formatGunMessage(['gun_error', pid, ['closed', 'The connection was lost.']]),
      `{gun_error,${pid},{closed,<<"The connection was lost.">>}}`,
    );
    // A reason's second element that reads as an atom stays one, as Gun's {closing, shutdown}.
    assert.equal(
      formatGunMessage(['gun_error', pid, ['closing', 'shutdown']]),
      `{gun_error,${pid},{closing,shutdown}}`,
    );
    assert.equal(formatTerm(new ErlangList([1, 'a'])), '[1,a]');
  });

  it('prints the gun2 messages as Gun 2 shows them', () => {
    const pid = self();
    const ref = makeRef();
    assert.equal(formatGunMessage(['gun_up', pid, 'http']), `{gun_up,${pid},http}`);
    assert.equal(
      formatGunMessage(['gun_response', pid, ref, 'nofin', 200, [['content-type', 'text/plain']]]),
      `{gun_response,${pid},${ref},nofin,200,[{<<"content-type">>,<<"text/plain">>}]}`,
    );
    assert.equal(
      formatGunMessage(['gun_data', pid, ref, 'fin', Buffer.from('Hello')]),
      `{gun_data,${pid},${ref},fin,<<"Hello">>}`,
    );
    assert.equal(
      formatGunMessage(['gun_upgrade', pid, ref, ['websocket'], []]),
      `{gun_upgrade,${pid},${ref},[<<"websocket">>],[]}`,
    );
    assert.equal(formatGunMessage(['gun_ws', pid, ref, ['text', 'hi']]), `{gun_ws,${pid},${ref},{text,<<"hi">>}}`);
    assert.equal(formatGunMessage(['gun_down', pid, 'ws', 'normal', [ref]]), `{gun_down,${pid},ws,normal,[${ref}]}`);
    assert.equal(
      formatGunMessage(['gun_error', pid, ref, ['closing', 'shutdown']]),
      `{gun_error,${pid},${ref},{closing,shutdown}}`,
    );
  });
});
