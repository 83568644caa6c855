import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFrame, formatGunMessage } from '../../src/gun/index.js';
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

  // formatTerm prints the text 'hello' as the atom hello; where Gun has a
  // binary, formatGunMessage prints one, whatever the text.
  it('prints every text in a binary position as a binary, atom-like or empty', () => {
    const pid = self();
    const ref = makeRef();
    assert.equal(formatGunMessage(['gun_ws', pid, ['text', 'hello']]), `{gun_ws,${pid},{text,<<"hello">>}}`);
    assert.equal(formatGunMessage(['gun_ws', pid, ['text', '']]), `{gun_ws,${pid},{text,<<>>}}`);
    assert.equal(formatGunMessage(['gun_ws', pid, ['close', 1000, '']]), `{gun_ws,${pid},{close,1000,<<>>}}`);
    assert.equal(formatGunMessage(['gun_ws', pid, ref, ['text', 'ok']]), `{gun_ws,${pid},${ref},{text,<<"ok">>}}`);
    assert.equal(formatGunMessage(['gun_ws', pid, ['binary', Buffer.alloc(0)]]), `{gun_ws,${pid},{binary,<<>>}}`);
    // Data as a string (a message built by hand) is still a binary, in both dialects.
    assert.equal(formatGunMessage(['gun_data', pid, 'fin', 'done']), `{gun_data,${pid},fin,<<"done">>}`);
    assert.equal(formatGunMessage(['gun_data', pid, ref, 'fin', 'done']), `{gun_data,${pid},${ref},fin,<<"done">>}`);
    assert.equal(
      formatGunMessage(['gun_data', pid, ref, 'nofin', Buffer.alloc(0)]),
      `{gun_data,${pid},${ref},nofin,<<>>}`,
    );
    assert.equal(
      formatGunMessage([
        'gun_response',
        pid,
        ref,
        'fin',
        204,
        [
          ['server', 'cowboy'],
          ['x-empty', ''],
        ],
      ]),
      `{gun_response,${pid},${ref},fin,204,[{<<"server">>,<<"cowboy">>},{<<"x-empty">>,<<>>}]}`,
    );
    assert.equal(
      formatGunMessage(['gun_trailers', pid, ref, [['expires', 'never']]]),
      `{gun_trailers,${pid},${ref},[{<<"expires">>,<<"never">>}]}`,
    );
    assert.equal(
      formatGunMessage(['gun_inform', pid, ref, 103, [['link', '</a.css>']]]),
      `{gun_inform,${pid},${ref},103,[{<<"link">>,<<"</a.css>">>}]}`,
    );
  });

  it("keeps the atoms in Gun's atom positions", () => {
    const pid = self();
    assert.equal(formatGunMessage(['gun_ws_upgrade', pid, 'ok']), `{gun_ws_upgrade,${pid},ok}`);
    assert.equal(formatGunMessage(['gun_ws', pid, 'ping']), `{gun_ws,${pid},ping}`);
    assert.equal(formatGunMessage(['gun_down', pid, 'http', 'closed', []]), `{gun_down,${pid},http,closed,[]}`);
    assert.equal(formatGunMessage(['gun_error', pid, 'econnrefused']), `{gun_error,${pid},econnrefused}`);
    // Not a Gun message: formatTerm's rule.
    assert.equal(formatGunMessage(['gun_ws', 'hello']), '{gun_ws,hello}');
    assert.equal(formatGunMessage('hello'), 'hello');
  });
});

describe('formatGunMessage: reasons', () => {
  it('gun_http.erl: prints the text of badstate and connection_error reasons as Erlang strings, as Gun writes them', () => {
    const pid = self();
    const ref = makeRef();
    assert.equal(
      formatGunMessage(['gun_error', pid, ref, ['badstate', 'The stream cannot be found.']]),
      `{gun_error,${pid},${ref},{badstate,"The stream cannot be found."}}`,
    );
    assert.equal(
      formatGunMessage([
        'gun_error',
        pid,
        ['connection_error', 'limit_reached', 'The response header block is too large.'],
      ]),
      `{gun_error,${pid},{connection_error,limit_reached,"The response header block is too large."}}`,
    );
    // Inside gun_down's {error, _}, and the classic dialect's gun_error/3 too.
    assert.equal(
      formatGunMessage([
        'gun_down',
        pid,
        'http',
        ['error', ['connection_error', 'protocol_error', 'A "bad" head.']],
        [],
      ]),
      `{gun_down,${pid},http,{error,{connection_error,protocol_error,"A \\"bad\\" head."}},[]}`,
    );
    assert.equal(
      formatGunMessage(['gun_error', pid, ['badstate', 'Not upgraded.']]),
      `{gun_error,${pid},{badstate,"Not upgraded."}}`,
    );
    // Atoms stay atoms; other texts are binaries, as before.
    assert.equal(
      formatGunMessage(['gun_error', pid, ref, ['closing', 'shutdown']]),
      `{gun_error,${pid},${ref},{closing,shutdown}}`,
    );
    assert.equal(
      formatGunMessage(['gun_error', pid, ref, ['closed', 'The connection was lost.']]),
      `{gun_error,${pid},${ref},{closed,<<"The connection was lost.">>}}`,
    );
  });
});

describe('formatFrame', () => {
  it("prints a frame's payload as a binary, whatever the text", () => {
    assert.equal(formatFrame(['text', 'hello']), '{text,<<"hello">>}');
    assert.equal(formatFrame(['text', 'Hello!']), '{text,<<"Hello!">>}');
    assert.equal(formatFrame(['text', '']), '{text,<<>>}');
    assert.equal(formatFrame(['binary', Buffer.from([1, 2, 3])]), '{binary,<<1,2,3>>}');
    assert.equal(formatFrame(['close', 1000, 'bye']), '{close,1000,<<"bye">>}');
    assert.equal(formatFrame(['ping', Buffer.alloc(0)]), '{ping,<<>>}');
    assert.equal(formatFrame('close'), 'close');
  });
});
