/**
 * The `beamish` command, on the Gun client:
 * - `beamish ws://host:port/path`: wscat-like. Opens a connection, upgrades
 *   (with -H headers and -s subprotocols), sends each line of stdin as a
 *   text frame, and prints every tuple the owner receives. Ends with a clean
 *   close when stdin ends.
 * - `beamish get http://host:port/path`: one GET on a gun2 connection (no
 *   retry), printing every message the owner receives for it, from gun_up
 *   to the end of the body.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { inspect } from 'node:util';
import * as gun from './gun/index.js';
import { _, monitor, type Ref, receive, self, send } from './runtime/index.js';

const USAGE = `usage: beamish [options] ws://host:port/path
       beamish get [options] http://host:port/path

  -H, --header 'name: value'   add a header to the request (repeatable)
  -s, --subprotocol name       offer a subprotocol (repeatable; ws:// only)
      --ca file                trust this CA certificate (PEM) for wss:// and https://
      --js                     print messages in JS notation instead of Erlang's
  -h, --help                   show this help

ws://, wss://: each line of stdin is sent as a text frame; end stdin (Ctrl-D)
to close.

get http://, https://: makes one GET and prints every message it brings
(gun_up, gun_inform, gun_response, gun_data, gun_trailers); exits 0 once the
body is complete, 1 if the connection or the stream fails.`;

interface Args {
  mode: 'ws' | 'get';
  url: URL;
  headers: Array<[string, string]>;
  protocols: string[];
  ca: Buffer | undefined;
  js: boolean;
}

class UsageError extends Error {}

function parseArgs(argvIn: string[]): Args | 'help' {
  const mode = argvIn[0] === 'get' ? 'get' : 'ws';
  const argv = mode === 'get' ? argvIn.slice(1) : argvIn;
  const headers: Array<[string, string]> = [];
  const protocols: string[] = [];
  let ca: Buffer | undefined;
  let js = false;
  let target: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '-h' || arg === '--help') return 'help';
    else if (arg === '-H' || arg === '--header') {
      const h = value();
      const colon = h.indexOf(':');
      if (colon <= 0) throw new UsageError(`bad header '${h}': expected 'name: value'`);
      headers.push([h.slice(0, colon).trim(), h.slice(colon + 1).trim()]);
    } else if ((arg === '-s' || arg === '--subprotocol') && mode === 'ws') protocols.push(value());
    else if (arg === '--ca') ca = readFileSync(value());
    else if (arg === '--js') js = true;
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else if (target === undefined) target = arg;
    else throw new UsageError(`unexpected argument '${arg}'`);
  }
  if (target === undefined) throw new UsageError('missing the URL to connect to');
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UsageError(`bad URL '${target}'`);
  }
  if (mode === 'get' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`bad URL '${target}': expected http:// or https://`);
  }
  if (mode === 'ws' && url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    const hint = url.protocol === 'http:' || url.protocol === 'https:' ? ` (for a GET: beamish get ${target})` : '';
    throw new UsageError(`bad URL '${target}': expected ws:// or wss://${hint}`);
  }
  return { mode, url, headers, protocols, ca, js };
}

function fail(message: string, code = 1): never {
  process.stderr.write(`beamish: ${message}\n`);
  process.exit(code);
}

async function main(argv: string[]): Promise<void> {
  let args: Args | 'help';
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) fail(`${err.message} (see beamish --help)`, 2);
    fail(err instanceof Error ? err.message : String(err), 2);
  }
  if (args === 'help') {
    console.log(USAGE);
    return;
  }
  if (args.mode === 'get') await get(args);
  else await ws(args);
}

/** Where a URL points: host (IPv6 brackets off), port, and whether it is TLS. */
function endpoint(url: URL): { host: string; port: number; tls: boolean } {
  const tls = url.protocol === 'wss:' || url.protocol === 'https:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port === '' ? (tls ? 443 : 80) : Number(url.port);
  return { host, port, tls };
}

function printer(js: boolean): (msg: unknown) => void {
  return (msg) => console.log(js ? inspect(msg, { breakLength: Infinity }) : gun.formatGunMessage(msg));
}

/**
 * `beamish get URL`: one GET on a gun2 connection with no retry. Prints
 * every message the owner gets for it; exits 0 when the body is complete, 1
 * when the connection cannot be made or the stream fails.
 */
async function get({ url, headers, ca, js }: Args): Promise<void> {
  const { host, port, tls } = endpoint(url);
  const print = printer(js);
  let conn: gun.ConnPid;
  let ref: Ref;
  try {
    conn = gun.open(host, port, {
      dialect: 'gun2',
      transport: tls ? 'tls' : 'tcp',
      retry: 0,
      tlsOpts: ca === undefined ? {} : { ca },
    });
    ref = gun.get(conn, `${url.pathname}${url.search}`, headers);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err), 2);
  }
  const mref = monitor('process', conn);
  let up = false;
  const done = (): never => {
    gun.close(conn);
    process.exit(0);
  };
  for (;;) {
    const msg = await receive([
      ['gun_up', conn, _],
      ['gun_inform', conn, ref, _, _],
      ['gun_response', conn, ref, _, _, _],
      ['gun_data', conn, ref, _, _],
      ['gun_trailers', conn, ref, _],
      ['gun_error', conn, ref, _],
      ['gun_error', conn, _],
      ['gun_down', conn, _, _, _],
      ['DOWN', mref, 'process', conn, _],
    ]);
    switch (msg[0]) {
      case 'DOWN': {
        const reason = msg[4];
        if (!up) fail(`cannot connect to ${url.host}: ${gun.formatGunMessage(reason)}`);
        fail(`connection ended: ${gun.formatGunMessage(reason)}`);
        break;
      }
      case 'gun_up':
        up = true;
        print(msg);
        break;
      case 'gun_response':
        print(msg);
        if (msg[3] === 'fin') done();
        break;
      case 'gun_data':
        print(msg);
        if (msg[3] === 'fin') done();
        break;
      case 'gun_trailers':
        print(msg);
        done();
        break;
      case 'gun_error':
        print(msg);
        if (msg.length === 4) fail(`stream error: ${gun.formatGunMessage(msg[3])}`);
        fail(`connection error: ${gun.formatGunMessage(msg[2])}`);
        break;
      case 'gun_down':
        print(msg);
        fail(`connection lost: ${gun.formatGunMessage(msg[3])}`);
        break;
      default:
        print(msg);
    }
  }
}

/** `beamish ws://URL`: wscat-like (see the top of this file). */
async function ws({ url, headers, protocols, ca, js }: Args): Promise<void> {
  const { host, port, tls } = endpoint(url);
  const print = printer(js);

  let conn: gun.ConnPid;
  try {
    conn = gun.open(host, port, { transport: tls ? 'tls' : 'tcp', retry: 0, tlsOpts: ca === undefined ? {} : { ca } });
    gun.wsUpgrade(conn, `${url.pathname}${url.search}`, headers, { protocols, keepalive: 30_000 });
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err), 2);
  }
  const ref = monitor('process', conn);

  // stdin lines arrive as messages, like everything else.
  const me = self();
  const lines = createInterface({ input: process.stdin });
  lines.pause();
  lines.on('line', (line) => send(me, ['stdin', line]));
  lines.on('close', () => send(me, ['stdin', 'eof']));

  let upgraded = false;
  let closing = false;
  for (;;) {
    const msg = await receive([
      ['gun_ws_upgrade', conn, _],
      ['gun_ws_upgrade', conn, 'error', _, _, _],
      ['gun_data', conn, _, _],
      ['gun_ws', conn, _],
      ['gun_error', conn, _],
      ['stdin', _],
      ['DOWN', ref, 'process', conn, _],
    ]);
    switch (msg[0]) {
      case 'stdin':
        if (msg[1] === 'eof' && !closing) {
          closing = true;
          gun.wsSend(conn, 'close');
        } else if (!closing) {
          gun.wsSend(conn, ['text', msg[1] as string]);
        }
        break;
      case 'DOWN': {
        const reason = msg[4];
        if (!upgraded) fail(`cannot connect to ${url.host}: ${gun.formatGunMessage(reason)}`);
        if (reason === 'shutdown' || reason === 'normal') process.exit(0);
        fail(`connection ended: ${gun.formatGunMessage(reason)}`);
        break;
      }
      default:
        print(msg);
        if (msg[0] === 'gun_ws_upgrade' && msg[2] === 'ok') {
          upgraded = true;
          lines.resume();
        } else if (msg[0] === 'gun_ws_upgrade') {
          // The body, if any, follows as gun_data: print it before leaving.
          if (msg[3] === 'nofin') print(await receive([['gun_data', conn, _, _]], 1000, 'no body'));
          fail(`upgrade refused: HTTP ${msg[4]}`);
        } else if (msg[0] === 'gun_error' && !closing) {
          fail(`connection lost: ${gun.formatGunMessage(msg[2])}`);
        }
    }
  }
}

await main(process.argv.slice(2));
