import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as gun from '../../src/gun/index.js';
import { _, monitor, receive, run } from '../../src/runtime/index.js';
import { startServer, type TestServer, testCa } from '../helpers/servers.js';

const T = 3000;
let server: TestServer;
before(async () => {
  server = await startServer({ tls: true });
});
after(() => server.close());

describe('Gun over TLS (wss)', () => {
  it('a server whose certificate is not trusted is refused by default', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', server.port, { transport: 'tls', retry: 0 });
      const ref = monitor('process', pid);
      const [, , , , reason] = await receive([['DOWN', ref, 'process', pid, _]], T);
      assert.equal((reason as [string, string])[0], 'shutdown');
      assert.match(String((reason as [string, string])[1]), /self_signed|unable_to_verify|unable_to_get_issuer/);
    }));

  it('is accepted with its CA in tlsOpts, and WebSocket works over it', () =>
    run(async () => {
      const pid = gun.open('localhost', server.port, { transport: 'tls', tlsOpts: { ca: testCa }, retry: 0 });
      gun.wsUpgrade(pid, '/echo');
      assert.deepEqual(await receive([['gun_ws_upgrade', pid, _]], T), ['gun_ws_upgrade', pid, 'ok']);
      gun.wsSend(pid, ['text', 'secret']);
      assert.deepEqual(await receive([['gun_ws', pid, _]], T), ['gun_ws', pid, ['text', 'secret']]);
      gun.close(pid);
    }));

  it('the certificate must name the host (servername checked)', () =>
    run(async () => {
      const pid = gun.open('127.0.0.1', server.port, {
        transport: 'tls',
        tlsOpts: { ca: testCa, servername: 'example.org' },
        retry: 0,
      });
      const ref = monitor('process', pid);
      const [, , , , reason] = await receive([['DOWN', ref, 'process', pid, _]], T);
      assert.match(String((reason as unknown[])[1]), /altname|hostname/i);
    }));
});
