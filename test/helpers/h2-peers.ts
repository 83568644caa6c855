/**
 * HTTP/2 servers nobody here wrote, for the Gun HTTP/2 tests: Debian's
 * `nghttpd` (package nghttp2-server; it serves server push with `-p`) and
 * `h2o`. Each runs as a child process on 127.0.0.1 and a port that was free
 * a moment ago, serving a temporary document root (`H2_DOCS`), either in
 * clear text (HTTP/2 with prior knowledge: nghttpd `--no-tls`; h2o takes the
 * HTTP/2 preface on a plain listener) or over TLS with the fixtures of
 * test/fixtures/tls (ALPN h2). `stop()` kills the process group, waits for
 * it to exit and removes the document root; tests call it in after-hooks.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './servers.js';

export type H2PeerName = 'nghttpd' | 'h2o';

/** The 1 MiB file: bytes from a fixed xorshift sequence, so no run depends on another's. */
function bigFile(): Buffer {
  const buf = Buffer.alloc(1024 * 1024);
  let x = 0x2545f491;
  for (let i = 0; i < buf.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf.writeInt32LE(x | 0, i);
  }
  return buf;
}

/** The document root every peer serves: path → content. */
export const H2_DOCS: Readonly<Record<'/index.html' | '/small.txt' | '/pushed.txt' | '/big.bin', Buffer>> = {
  '/index.html': Buffer.from('<!doctype html>\n<title>h2 peer</title>\n<p>index</p>\n'),
  '/small.txt': Buffer.from('a small file\n'),
  '/pushed.txt': Buffer.from('pushed by the server\n'),
  '/big.bin': bigFile(),
};

export interface H2PeerOptions {
  /** TLS (ALPN h2) with the test fixtures; default clear text with prior knowledge. */
  readonly tls?: boolean;
  /**
   * Server push, each `PATH=PUSH_PATH[,PUSH_PATH...]` (e.g.
   * `/index.html=/pushed.txt`): requesting PATH pushes the others. nghttpd
   * takes them as `-p`; h2o pushes what a `link: <PUSH_PATH>; rel=preload`
   * header names when an mruby handler sets it (status 399: go on to the
   * next handler); h2o pushes a path at most once per connection.
   */
  readonly push?: readonly string[];
}

export interface H2Peer {
  readonly name: H2PeerName;
  readonly port: number;
  readonly tls: boolean;
  /** The watchdog shell around the server; its pid leads the process group `stop` kills. */
  readonly process: ChildProcess;
  /** The last few KiB the server wrote to stdout and stderr. */
  output(): string;
  /** Stops the server (SIGTERM, at most 2 s), kills what is left of its process group, removes the docroot. */
  stop(): Promise<void>;
}

/** Why `name` cannot run here (no such binary), or undefined when it can. */
export function h2PeerMissing(name: H2PeerName): string | undefined {
  if (binary(name) !== undefined) return undefined;
  const pkg = name === 'nghttpd' ? 'nghttp2-server' : 'h2o';
  return `${name} not found; apt-get install ${pkg}`;
}

/**
 * The executable: on the PATH, or in an sbin directory (Debian puts
 * nghttpd in /usr/sbin, which a user's PATH often lacks).
 */
function binary(command: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return join(dir, command);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const fixtures = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
const CERT = `${fixtures}server.crt`;
const KEY = `${fixtures}server.key`;

/** The arguments (and config file, for h2o) for one server. */
function command(name: H2PeerName, dir: string, docroot: string, port: number, opts: H2PeerOptions): string[] {
  if (name === 'nghttpd') {
    const args = ['-a', '127.0.0.1', '-d', docroot];
    for (const p of opts.push ?? []) args.push(`--push=${p}`);
    if (opts.tls === true) args.push(String(port), KEY, CERT);
    else args.push('--no-tls', String(port));
    return args;
  }
  // No access log, no OCSP fetcher child, one thread: a quiet test server.
  // Push: h2o 2.2.5 pushes the preload links an mruby handler adds (the
  // same header from `header.add` pushes nothing).
  const q = JSON.stringify;
  const lines = ['listen:', '  host: 127.0.0.1', `  port: ${port}`];
  if (opts.tls === true) {
    lines.push('  ssl:', `    certificate-file: ${q(CERT)}`, `    key-file: ${q(KEY)}`, '    ocsp-update-interval: 0');
  }
  lines.push('num-threads: 1', 'hosts:', '  default:', '    paths:');
  for (const p of opts.push ?? []) {
    const [path = '', pushed = ''] = p.split('=');
    const links = pushed.split(',').map((target) => `<${target}>; rel=preload`);
    lines.push(
      `      ${q(path)}:`,
      `        mruby.handler: ${q(`Proc.new do |env| [399, { "link" => ${q(links.join(', '))} }, []] end`)}`,
      `        file.file: ${q(join(docroot, path.slice(1)))}`,
    );
  }
  lines.push('      /:', `        file.dir: ${q(docroot)}`);
  const conf = `${lines.join('\n')}\n`;
  const confFile = join(dir, 'h2o.conf');
  writeFileSync(confFile, conf);
  return ['-m', 'worker', '-c', confFile];
}

/**
 * `sh -c WATCHDOG h2-peer FILE ARGS...`: runs the server in the background
 * (its stdin /dev/null), waits for end of input on the shell's stdin, then
 * sends SIGTERM to its process group but itself (the server and h2o's helper
 * child: h2o alone takes a second to stop) and waits for the server.
 */
const WATCHDOG = '"$@" & server=$!; while read -r line; do :; done; trap "" TERM; kill -TERM 0; wait "$server"';

/** Sends `signal` to process group `pgid`, if there is one. */
function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Does 127.0.0.1:`port` accept a TCP connection? */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Starts `name` on a free port and waits (at most 5 s per attempt, 3
 * attempts: the port may be taken between `freePort` and the bind) until
 * the port accepts connections.
 */
export async function startH2Peer(name: H2PeerName, opts: H2PeerOptions = {}): Promise<H2Peer> {
  const exe = binary(name);
  if (exe === undefined) throw new Error(h2PeerMissing(name));
  let lastOutput = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), `beamish-${name}-`));
    // h2o started as root serves as `nobody`: the docroot must be world-readable.
    chmodSync(dir, 0o755);
    const docroot = join(dir, 'htdocs');
    writeDocroot(docroot);
    const port = await freePort();
    const args = command(name, dir, docroot, port, opts);
    // Under a watchdog shell, in a process group of its own (detached): the
    // shell stops the server once its stdin closes (stop(), or this process
    // dying, however it dies) and exits when the server has; the group
    // reaches h2o's helper child too.
    const child = spawn('/bin/sh', ['-c', WATCHDOG, 'h2-peer', exe, ...args], {
      cwd: dir,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.on('error', () => undefined); // seen as an early exit below
    child.stdin?.on('error', () => undefined);
    let out = '';
    const keep = (chunk: Buffer): void => {
      out = (out + chunk.toString('utf8')).slice(-8192);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const gone = exited(child);
    const pgid = child.pid;
    const stop = async (): Promise<void> => {
      child.stdin?.end(); // the watchdog sends SIGTERM and waits for the server
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([
        gone.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), 2000);
        }),
      ]);
      clearTimeout(timer);
      // Then whatever is left of the group (a server deaf to SIGTERM, h2o's
      // helper). Not polled until gone: zombies count as members, and a
      // container's init may never reap them.
      if (pgid !== undefined) signalGroup(pgid, 'SIGKILL');
      if (!ended) await gone;
      rmSync(dir, { recursive: true, force: true });
    };
    for (let i = 0; i < 100 && child.exitCode === null && child.signalCode === null; i++) {
      if (await accepts(port)) {
        return { name, port, tls: opts.tls === true, process: child, output: () => out, stop };
      }
      await sleep(50);
    }
    lastOutput = out;
    await stop(); // the port was taken meanwhile, or the server never listened: try another
  }
  throw new Error(`could not start ${name} in 3 attempts; it said: ${lastOutput.trim()}`);
}

function writeDocroot(docroot: string): void {
  mkdirSync(docroot, { mode: 0o755 });
  for (const [path, content] of Object.entries(H2_DOCS)) writeFileSync(join(docroot, path.slice(1)), content);
}
