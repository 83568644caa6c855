/**
 * The Gun receive loop of Gun's guide ("Using Websocket": receiving data,
 * upgrading again after an error) as a GenServer under a Supervisor.
 *
 * The GenServer owns one Gun connection: `init` opens it and asks for the
 * upgrade; `handleInfo` takes the messages Gun sends its owner (gun_ws,
 * gun_ws_upgrade, gun_error) as any gen_server's handle_info would; a
 * gun_error (the server dropped us) means "upgrade again", as in the guide.
 * If the GenServer itself crashes, its supervisor starts a new one, which
 * opens a new connection: the connection process stops when its owner dies.
 *
 * Run: npx tsx examples/otp/gun-client.ts
 */
import * as gun from '../../src/gun/index.js';
import { GenServer, Supervisor } from '../../src/otp/index.js';
import { formatTerm, monitor, receive, whereis } from '../../src/runtime/index.js';
import { startEchoServer } from '../echo-server.js';

interface State {
  readonly conn: gun.ConnPid;
  readonly upgraded: boolean;
  readonly log: (line: string) => void;
}

type Calls = readonly [['send', string], 'ok' | 'not_upgraded'];

/** A Gun client as a GenServer: the owner of its connection. */
export const wsClient: GenServer<State, Calls, 'crash', unknown, { port: number; log: (line: string) => void }> = {
  name: 'ws_client',
  init({ port, log }) {
    // open makes the calling process, this server, the connection's owner.
    const conn = gun.open('127.0.0.1', port, { retryTimeout: 50 });
    gun.wsUpgrade(conn, '/websocket');
    log(`ws_client: opened ${conn}, upgrading`);
    return ['ok', { conn, upgraded: false, log }];
  },
  handleCall(request, _from, state) {
    if (!state.upgraded) return ['reply', 'not_upgraded', state];
    gun.wsSend(state.conn, ['text', request[1]]);
    return ['reply', 'ok', state];
  },
  handleCast(_crash, _state) {
    throw new Error('asked to crash');
  },
  handleInfo(message, state) {
    const m = message as readonly unknown[];
    if (m[0] === 'gun_ws_upgrade' && m[2] === 'ok') {
      state.log('ws_client: upgraded');
      return ['noreply', { ...state, upgraded: true }];
    }
    if (m[0] === 'gun_ws') {
      state.log(`ws_client: got ${formatTerm(m[2])}`);
      return ['noreply', state];
    }
    if (m[0] === 'gun_error') {
      // The guide's clause: log, then upgrade again on the same connection.
      state.log(`ws_client: Oops! ${formatTerm(m[2])}; upgrading again`);
      gun.wsUpgrade(state.conn, '/websocket');
      return ['noreply', { ...state, upgraded: false }];
    }
    return ['noreply', state];
  },
};

/** Starts the tree: one supervisor, one ws_client child, registered by name. */
export async function startClientTree(port: number, log: (line: string) => void) {
  return Supervisor.start(
    {
      strategy: 'one_for_one',
      intensity: 3,
      period: 5,
      children: [{ id: 'ws_client', start: () => GenServer.startLink(wsClient, { port, log }, { name: 'ws_client' }) }],
    },
    { name: 'ws_client_sup' },
  );
}

/** Waits until the registered ws_client is upgraded (bounded). */
export async function untilUpgraded(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (whereis('ws_client') !== undefined && (await GenServer.call('ws_client', ['send', 'ping?'])) === 'ok') return;
    await receive([], 20, null);
  }
  throw new Error('ws_client never upgraded');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const log = (line: string) => console.log(line);
  const server = await startEchoServer();
  const sup = await startClientTree(server.port, log);
  await untilUpgraded();
  await GenServer.call('ws_client', ['send', 'hello']);
  await receive([], 50, null);

  log('-- the server drops every connection');
  server.drop();
  await receive([], 200, null);
  await untilUpgraded();
  await GenServer.call('ws_client', ['send', 'after the drop']);
  await receive([], 50, null);

  log('-- the client crashes; its supervisor starts a new one');
  const first = whereis('ws_client');
  const ref = first && monitor('process', first);
  GenServer.cast('ws_client', 'crash');
  if (ref !== undefined) await receive([['DOWN', ref, 'process', first, ['error', Error]]], 1000, null);
  await untilUpgraded();
  log(`ws_client is now ${whereis('ws_client')} (was ${first})`);
  await GenServer.call('ws_client', ['send', 'from the new client']);
  await receive([], 50, null);

  await Supervisor.stop(sup);
  await server.close();
  log('done');
}
