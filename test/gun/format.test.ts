import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGunMessage } from '../../src/gun/index.js';
import { ErlangList, formatTerm, self } from '../../src/runtime/index.js';

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
    assert.equal(formatGunMessage(['gun_error', pid, ['closed', 'gone']]), `{gun_error,${pid},{closed,<<"gone">>}}`);
    assert.equal(formatTerm(new ErlangList([1, 'a'])), '[1,a]');
  });
});
