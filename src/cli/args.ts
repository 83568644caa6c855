/**
 * The command line of `beamish`, read with Node's `util.parseArgs` into one
 * {@link Command}. Nothing here touches the network or the disk, so every
 * rule is tested in-process (test/cli/args.test.ts).
 *
 * parseArgs runs in its non-strict mode with `tokens`, and the checks that
 * strict mode would make are made here, because strict mode's messages
 * ("Unknown option '--x'. To specify a positional argument starting with a
 * '-', place it at the end of the command after '--', as in '-- "--x"") do
 * not fit the one line `beamish: …` that every usage error gets.
 */
import { parseArgs } from 'node:util';
import { redactedUrl, takeCredentials } from './url.js';

/** The usage text, printed by `-h`/`--help`. */
export const USAGE = `usage: beamish [options] ws://host:port/path
       beamish get [options] http://host:port/path
       beamish shell
       beamish top [--once [--json]] http://127.0.0.1:PORT/?token=TOKEN
       beamish --version

  -H, --header 'name: value'   add a header to the request (repeatable)
  -s, --subprotocol name       offer a subprotocol (repeatable; ws:// only)
      --ca file                trust this CA certificate (PEM) for wss:// and https://
      --http1                  speak HTTP/1.1 only (over TLS, offer only http/1.1 by ALPN)
      --http2                  speak HTTP/2 only: over TLS, offer only h2 by ALPN; over
                               http:// and ws://, h2c with prior knowledge
      --js                     print messages in JS notation instead of Erlang's
      --trace                  print, on stderr, what the Gun connection process
                               does: every message it receives and sends, as
                               Erlang's dbg prints them
      --once                   top: print one frame and exit
      --json                   top --once: print the observer's snapshot as JSON
  -h, --help                   show this help
      --version                print beamish's version

An option's value may follow it (--ca file) or be joined to it (--ca=file,
-Hname:value). After --, every argument is the URL, even one starting with -.
Credentials in the URL (ws://user:pass@host/) are sent as an
'authorization: Basic …' header, not as part of the URL; an -H authorization
header takes their place.

ws://, wss://: each line of stdin is sent as a text frame; end stdin (Ctrl-D)
to close. The upgrade is HTTP/1.1's, as wscat's; with --http2 it is an
extended CONNECT (RFC 8441), sent once the server's SETTINGS have come.

get http://, https://: makes one GET and prints every message it brings
(gun_up, gun_inform, gun_response, gun_data, gun_trailers, and on HTTP/2
gun_push with the pushed responses); exits 0 once the body (and every pushed
body) is complete, 1 if the connection or the stream fails. Without --http1
or --http2 it speaks as Gun does: https:// offers h2 then http/1.1 by ALPN
(gun_up says http2 or http), http:// speaks HTTP/1.1.

shell: a REPL in the manner of Erlang's shell, every line run as one
long-lived process (docs/shell.md); exits 0 at .exit, Ctrl-D or the end of
stdin, as erl does.

top URL: observer_cli's view of a running program, read from the URL its
observe() gave (beamish/observer; the token is part of the URL): a header
(uptime, processes, event-loop utilization and delay, heap, RSS, GCs), then
the processes with the longest mailboxes. Keys: m sort by mailbox, r by
messages received in the last interval, p pause, up/down and Enter a
process's detail (Esc back), q or Ctrl-C quit. --once prints one frame,
--once --json one snapshot as JSON; both exit 0. Exits 1 when the observer
cannot be reached or refuses the token.

Exit codes: 0 done, 1 the connection or the stream failed, 2 bad usage.`;

/** A usage mistake: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A connection to make: `beamish ws://…` (mode `ws`) or `beamish get http://…` (mode `get`). */
export interface Connect {
  readonly kind: 'connect';
  readonly mode: 'ws' | 'get';
  /** The URL to connect to, with its credentials taken out (they are in `headers`). */
  readonly url: URL;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Subprotocols to offer (`ws` only). */
  readonly protocols: readonly string[];
  /** The file named by `--ca`, read by the caller. */
  readonly caFile: string | undefined;
  readonly js: boolean;
  /** `--trace`: trace the connection process (send, receive, procs) to stderr. */
  readonly trace: boolean;
  /**
   * `--http1` or `--http2`: the one HTTP version to speak; undefined when
   * neither was given (`get`: Gun's default protocols; `ws`: HTTP/1.1).
   */
  readonly http: 'http1' | 'http2' | undefined;
}

/** `beamish top URL`: the terminal view of a program's observer (src/cli/top.ts). */
export interface Top {
  readonly kind: 'top';
  /** The observer's URL, `http://127.0.0.1:PORT/?token=…`, as `observe()` gives it. */
  readonly url: URL;
  /** `--once`: one frame (or, with `json`, one snapshot), then exit. */
  readonly once: boolean;
  /** `--json` (with `--once`): the snapshot as the observer sends it. */
  readonly json: boolean;
}

/** What the command line asks for. */
export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'shell' }
  | Connect
  | Top;

const common = {
  header: { type: 'string', short: 'H', multiple: true },
  ca: { type: 'string' },
  js: { type: 'boolean' },
  trace: { type: 'boolean' },
  http1: { type: 'boolean' },
  http2: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;
const optionsOf = {
  ws: { ...common, subprotocol: { type: 'string', short: 's', multiple: true } },
  get: common,
  shell: { help: common.help, version: common.version },
  top: { once: { type: 'boolean' }, json: { type: 'boolean' }, help: common.help, version: common.version },
} as const;

/**
 * Reads `argv` (without node and the script). Throws {@link UsageError} on
 * a mistake. `-h`/`--help` and `--version` win over what follows them.
 *
 * @example
 * parseCommandLine(['get', '-H', 'accept: text/plain', 'http://user:pw@127.0.0.1:8080/']);
 * // { kind: 'connect', mode: 'get', url: URL('http://127.0.0.1:8080/'),
 * //   headers: [['accept', 'text/plain'], ['authorization', 'Basic dXNlcjpwdw==']], ... }
 */
export function parseCommandLine(argv: readonly string[]): Command {
  const mode = argv[0] === 'get' || argv[0] === 'shell' || argv[0] === 'top' ? argv[0] : 'ws';
  const args = mode === 'ws' ? [...argv] : argv.slice(1);
  const options = optionsOf[mode];
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });

  const headers: Array<[string, string]> = [];
  const protocols: string[] = [];
  let caFile: string | undefined;
  let js = false;
  let trace = false;
  let once = false;
  let json = false;
  let http: 'http1' | 'http2' | undefined;
  let target: string | undefined;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (target !== undefined || mode === 'shell') throw new UsageError(`unexpected argument '${token.value}'`);
      target = token.value;
      continue;
    }
    const { name, rawName, value, inlineValue } = token;
    if (!Object.hasOwn(options, name)) throw new UsageError(`unknown option ${rawName}`);
    const type = (options as Record<string, { type: 'string' | 'boolean' }>)[name]?.type;
    if (type === 'boolean') {
      if (value !== undefined) throw new UsageError(`${rawName} takes no value`);
      if (name === 'help') return { kind: 'help' };
      if (name === 'version') return { kind: 'version' };
      if (name === 'trace') trace = true;
      else if (name === 'once') once = true;
      else if (name === 'json') json = true;
      else if (name === 'http1' || name === 'http2') {
        if (http !== undefined && http !== name) throw new UsageError('--http1 and --http2 cannot be used together');
        http = name;
      } else js = true;
      continue;
    }
    if (value === undefined) throw new UsageError(`${rawName} needs a value`);
    // What strict mode calls ambiguous: `--ca --js` would take "--js" as the
    // file. A value that starts with - must be joined to its option.
    if (!inlineValue && value.startsWith('-') && value !== '-') {
      const joined = rawName.startsWith('--') ? `${rawName}=${value}` : `${rawName}${value}`;
      throw new UsageError(
        `${rawName} needs a value ('${value}' looks like an option; if it is the value, write ${joined})`,
      );
    }
    if (name === 'header') headers.push(header(value));
    else if (name === 'subprotocol') protocols.push(value);
    else caFile = value;
  }
  if (mode === 'shell') return { kind: 'shell' };
  if (mode === 'top') {
    if (json && !once) throw new UsageError('--json goes with --once');
    return { kind: 'top', url: observerUrl(target), once, json };
  }
  if (target === undefined) throw new UsageError('missing the URL to connect to');
  const url = urlFor(mode, target);
  return { kind: 'connect', mode, url, headers: takeCredentials(url, headers), protocols, caFile, js, trace, http };
}

/** `'name: value'` → `['name', 'value']`, both trimmed. */
function header(text: string): [string, string] {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new UsageError(`bad header '${text}': expected 'name: value'`);
  return [text.slice(0, colon).trim(), text.slice(colon + 1).trim()];
}

/**
 * The observer's URL for `beamish top`: http:// or https://, with the
 * observer's token in `?token=`.
 */
function observerUrl(target: string | undefined): URL {
  const expected = 'expected the URL observe() gave, http://127.0.0.1:PORT/?token=…';
  if (target === undefined) throw new UsageError(`missing the observer's URL (the URL observe() gave)`);
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UsageError(`bad URL '${target}': ${expected}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`bad URL '${target}': ${expected}`);
  if (!url.searchParams.get('token')) throw new UsageError(`the URL '${target}' has no token: ${expected}`);
  return url;
}

/** The URL of `target`, which must be ws:// or wss:// (mode ws), http:// or https:// (mode get). */
function urlFor(mode: 'ws' | 'get', target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UsageError(`bad URL '${target}'`);
  }
  const shown = redactedUrl(target, url);
  if (mode === 'get' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`bad URL '${shown}': expected http:// or https://`);
  }
  if (mode === 'ws' && url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    const hint = url.protocol === 'http:' || url.protocol === 'https:' ? ` (for a GET: beamish get ${shown})` : '';
    throw new UsageError(`bad URL '${shown}': expected ws:// or wss://${hint}`);
  }
  return url;
}
