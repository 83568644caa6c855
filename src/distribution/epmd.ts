import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { BadArgError } from '../runtime/errors.js';

/**
 * A client of epmd, the Erlang Port Mapper Daemon (TCP 4369 unless
 * `ERL_EPMD_PORT` says otherwise), as the "Distribution Protocol" manual
 * lays out its requests: each is a 2-byte big-endian length and the request.
 *
 * - {@link registerNode}: ALIVE2_REQ. The name stays registered as long as
 *   that TCP connection stays open; closing it unregisters the node.
 * - {@link lookupNode}: PORT_PLEASE2_REQ, the port a node listens on.
 * - {@link listNodes}: NAMES_REQ, every registered name and port.
 * - {@link ensureEpmd}: starts `epmd -daemon` when none answers, as `erl` does.
 */

/** Where epmd listens. */
export interface EpmdOptions {
  /** epmd's host; default `'127.0.0.1'`. */
  readonly host?: string;
  /** epmd's port; default {@link defaultEpmdPort} (`ERL_EPMD_PORT`, else 4369). */
  readonly port?: number;
  /** How long a request may take, connect included; default 5000 ms. */
  readonly timeoutMs?: number;
}

/** Why an epmd request failed. */
export type EpmdErrorCode = 'epmd_not_running' | 'epmd_not_found' | 'name_taken' | 'timeout' | 'protocol' | 'socket';

/**
 * An epmd request that failed; `code` says why, the message what to do.
 *
 * @example
 * ```ts
 * try {
 *   await registerNode('beamish', 4370);
 * } catch (e) {
 *   if (e instanceof EpmdError && e.code === 'name_taken') console.error('a node named beamish runs already');
 *   if (e instanceof EpmdError && e.code === 'epmd_not_running') await ensureEpmd(); // then try again
 * }
 * ```
 */
export class EpmdError extends Error {
  /** `'EpmdError'`, for stack traces and logs. */
  override readonly name = 'EpmdError';
  constructor(
    /** Why the request failed, as a stable name to switch on. */
    readonly code: EpmdErrorCode,
    /** epmd's address, `host:port`. */
    readonly address: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What epmd knows of a node (PORT2_RESP). */
export interface EpmdNodeInfo {
  /** The alive part of the node name, as epmd has it. */
  readonly name: string;
  /** The port the node accepts distribution connections on. */
  readonly port: number;
  /** 77 for a normal Erlang node (what `erl` registers, `-hidden` too), 72 for a hidden C node. */
  readonly nodeType: number;
  /** 0 for TCP/IPv4. */
  readonly protocol: number;
  /** The highest distribution protocol version the node speaks (6 from OTP 23). */
  readonly highestVersion: number;
  /** The lowest (6 from OTP 25). */
  readonly lowestVersion: number;
  /** The Extra field, usually empty. */
  readonly extra: Buffer;
}

/** A name registered with epmd; it stays registered until {@link close} or until epmd goes away. */
export interface EpmdRegistration {
  /** The registered alive name. */
  readonly name: string;
  /** The node's creation, a 32-bit number epmd hands out per registration (ALIVE2_X_RESP). */
  readonly creation: number;
  /** Settles when the registration ends, whoever ended it. */
  readonly closed: Promise<void>;
  /** Unregisters the name by closing the connection to epmd. */
  close(): Promise<void>;
}

const ALIVE2_REQ = 120;
const ALIVE2_X_RESP = 118;
const ALIVE2_RESP = 121;
const PORT_PLEASE2_REQ = 122;
const PORT2_RESP = 119;
const NAMES_REQ = 110;
/** The name type `erl` registers, for normal and `-hidden` nodes alike. */
const NODE_TYPE_NORMAL = 77;
const TCP_IPV4 = 0;
const VERSION_6 = 6;

/**
 * epmd's port: `ERL_EPMD_PORT` when set (as `erl` and `epmd` read it), else 4369.
 *
 * @example
 * ```ts
 * defaultEpmdPort(); // 4369; 4370 after `export ERL_EPMD_PORT=4370`, as erl would use
 * ```
 */
export function defaultEpmdPort(): number {
  const env = process.env.ERL_EPMD_PORT;
  if (env !== undefined && /^\d+$/.test(env)) {
    const port = Number(env);
    if (port > 0 && port < 65536) return port;
  }
  return 4369;
}

interface Resolved {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly address: string;
}

function resolve(fn: string, options: EpmdOptions): Resolved {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? defaultEpmdPort();
  const timeoutMs = options.timeoutMs ?? 5000;
  if (typeof host !== 'string' || host === '') throw new BadArgError(fn, 'options.host', 'expected a host name');
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new BadArgError(fn, 'options.port', `expected a TCP port 1-65535, got ${String(port)}`);
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new BadArgError(fn, 'options.timeoutMs', `expected a positive number of ms, got ${String(timeoutMs)}`);
  }
  return { host, port, timeoutMs, address: `${host}:${port}` };
}

function checkAlive(fn: string, name: string): Buffer {
  if (typeof name !== 'string' || name === '') throw new BadArgError(fn, 'name', 'expected a non-empty alive name');
  const bytes = Buffer.from(name, 'utf8');
  // epmd's MAXSYMLEN; it refuses longer names.
  if (bytes.length > 255) throw new BadArgError(fn, 'name', `an alive name has at most 255 bytes, got ${bytes.length}`);
  if (name.includes('@')) {
    throw new BadArgError(fn, 'name', `epmd knows the part before '@' only: pass '${name.split('@')[0]}'`);
  }
  return bytes;
}

function request(body: Buffer): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(body.length);
  return Buffer.concat([head, body]);
}

function connectError(where: Resolved, err: unknown): EpmdError {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  if (code === 'ECONNREFUSED') {
    const start = where.port === 4369 ? '`epmd -daemon`' : `\`epmd -port ${where.port} -daemon\``;
    return new EpmdError(
      'epmd_not_running',
      where.address,
      `epmd is not running on ${where.address}; start it with ${start}`,
      { cause: err },
    );
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new EpmdError('socket', where.address, `epmd on ${where.address}: ${detail}`, { cause: err });
}

/**
 * Connects, sends `body`, and collects what epmd sends until it closes the
 * connection (PORT_PLEASE2 and NAMES answers end that way).
 */
function exchangeUntilClose(where: Resolved, body: Buffer): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect({ host: where.host, port: where.port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      fail(new EpmdError('timeout', where.address, `epmd on ${where.address} did not answer in ${where.timeoutMs} ms`));
    }, where.timeoutMs);
    function fail(err: Error): void {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    }
    socket.on('connect', () => socket.write(request(body)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (err) => fail(connectError(where, err)));
    socket.on('close', () => {
      clearTimeout(timer);
      resolvePromise(Buffer.concat(chunks));
    });
  });
}

/**
 * Registers `name` (the part before `@`) as a node listening on
 * `listenPort` (ALIVE2_REQ, versions 6 to 6, TCP/IPv4, type 77 as `erl`
 * registers). The registration lasts as long as the returned connection:
 * close it to unregister.
 *
 * Throws EpmdError `name_taken` when epmd refuses (a node of that name is
 * registered), `epmd_not_running` when nothing listens on epmd's port.
 *
 * @example
 * ```ts
 * // What `erl -name beamish@127.0.0.1` does at start (erl_epmd:register_node/2):
 * const reg = await registerNode('beamish', 4370); // 4370: the port the node accepts connections on
 * reg.creation; // e.g. 1700000123, for the node's pids and refs
 * await lookupNode('beamish'); // { name: 'beamish', port: 4370, ... }
 * await reg.close(); // the name leaves epmd
 * ```
 */
export function registerNode(
  name: string,
  listenPort: number,
  options: EpmdOptions & { readonly nodeType?: number } = {},
): Promise<EpmdRegistration> {
  const where = resolve('registerNode', options);
  const alive = checkAlive('registerNode', name);
  if (!Number.isInteger(listenPort) || listenPort <= 0 || listenPort > 65535) {
    throw new BadArgError('registerNode', 'listenPort', `expected a TCP port 1-65535, got ${String(listenPort)}`);
  }
  const nodeType = options.nodeType ?? NODE_TYPE_NORMAL;
  const body = Buffer.alloc(13 + alive.length);
  body.writeUInt8(ALIVE2_REQ, 0);
  body.writeUInt16BE(listenPort, 1);
  body.writeUInt8(nodeType, 3);
  body.writeUInt8(TCP_IPV4, 4);
  body.writeUInt16BE(VERSION_6, 5); // highest
  body.writeUInt16BE(VERSION_6, 7); // lowest: OTP 25 and later speak 6 only
  body.writeUInt16BE(alive.length, 9);
  alive.copy(body, 11);
  body.writeUInt16BE(0, 11 + alive.length); // no Extra

  return new Promise((resolvePromise, reject) => {
    const socket = connect({ host: where.host, port: where.port });
    let settled = false;
    let received = Buffer.alloc(0);
    let markClosed: () => void = () => undefined;
    const closed = new Promise<void>((r) => {
      markClosed = r;
    });
    const timer = setTimeout(() => {
      fail(
        new EpmdError(
          'timeout',
          where.address,
          `epmd on ${where.address} did not answer ALIVE2_REQ in ${where.timeoutMs} ms`,
        ),
      );
    }, where.timeoutMs);
    function fail(err: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    }
    socket.on('connect', () => socket.write(request(body)));
    socket.on('error', (err) => fail(connectError(where, err)));
    socket.on('close', () => {
      markClosed();
      fail(
        new EpmdError(
          'protocol',
          where.address,
          `epmd on ${where.address} closed the connection without answering ALIVE2_REQ`,
        ),
      );
    });
    socket.on('data', function onData(chunk: Buffer) {
      if (settled) return; // epmd sends nothing more; anything else is ignored
      received = Buffer.concat([received, chunk]);
      const tag = received[0];
      const need = tag === ALIVE2_X_RESP ? 6 : tag === ALIVE2_RESP ? 4 : 1;
      if (received.length < need) return;
      if (tag !== ALIVE2_X_RESP && tag !== ALIVE2_RESP) {
        return fail(
          new EpmdError('protocol', where.address, `epmd on ${where.address} answered ALIVE2_REQ with tag ${tag}`),
        );
      }
      const result = received.readUInt8(1);
      if (result !== 0) {
        return fail(
          new EpmdError(
            'name_taken',
            where.address,
            `epmd on ${where.address} refused to register '${name}' (result ${result}): a node of that name is registered`,
          ),
        );
      }
      settled = true;
      clearTimeout(timer);
      const creation = tag === ALIVE2_X_RESP ? received.readUInt32BE(2) : received.readUInt16BE(2);
      resolvePromise({
        name,
        creation,
        closed,
        close() {
          socket.end();
          socket.destroySoon();
          return closed;
        },
      });
    });
  });
}

/**
 * Asks epmd for the port of node `name` (the part before `@`)
 * (PORT_PLEASE2_REQ); undefined when no such node is registered.
 *
 * @example
 * ```ts
 * // Erlang: erl_epmd:port_please("erl", "127.0.0.1") -> {port, 41235, 6}
 * const info = await lookupNode('erl', { host: '127.0.0.1' });
 * if (info !== undefined) net.connect(info.port, '127.0.0.1'); // then initiateHandshake on that socket
 * ```
 */
export function lookupNode(name: string, options: EpmdOptions = {}): Promise<EpmdNodeInfo | undefined> {
  const where = resolve('lookupNode', options);
  const alive = checkAlive('lookupNode', name);
  return portPlease(where, alive);
}

async function portPlease(where: Resolved, alive: Buffer): Promise<EpmdNodeInfo | undefined> {
  const answer = await exchangeUntilClose(where, Buffer.concat([Buffer.of(PORT_PLEASE2_REQ), alive]));
  if (answer.length < 2 || answer[0] !== PORT2_RESP) {
    throw new EpmdError(
      'protocol',
      where.address,
      `epmd on ${where.address} gave a malformed PORT2_RESP (${answer.length} bytes)`,
    );
  }
  if (answer[1] !== 0) return undefined;
  try {
    const nameLength = answer.readUInt16BE(10);
    const extraLength = answer.readUInt16BE(12 + nameLength);
    return {
      port: answer.readUInt16BE(2),
      nodeType: answer.readUInt8(4),
      protocol: answer.readUInt8(5),
      highestVersion: answer.readUInt16BE(6),
      lowestVersion: answer.readUInt16BE(8),
      name: answer.toString('utf8', 12, 12 + nameLength),
      extra: Buffer.from(answer.subarray(14 + nameLength, 14 + nameLength + extraLength)),
    };
  } catch (err) {
    throw new EpmdError('protocol', where.address, `epmd on ${where.address} gave a truncated PORT2_RESP`, {
      cause: err,
    });
  }
}

/**
 * Every node registered with epmd, with its port (NAMES_REQ, what
 * `net_adm:names/0` and `epmd -names` show).
 *
 * @example
 * ```ts
 * await listNodes(); // [{ name: 'erl', port: 41235 }], as net_adm:names() -> {ok, [{"erl", 41235}]}
 * ```
 */
export function listNodes(options: EpmdOptions = {}): Promise<
  Array<{
    /** The alive part of the node's name, `'erl'` for `erl@127.0.0.1`. */
    name: string;
    /** The port the node accepts distribution connections on. */
    port: number;
  }>
> {
  return names(resolve('listNodes', options));
}

async function names(where: Resolved): Promise<Array<{ name: string; port: number }>> {
  const answer = await exchangeUntilClose(where, Buffer.of(NAMES_REQ));
  if (answer.length < 4) {
    throw new EpmdError(
      'protocol',
      where.address,
      `epmd on ${where.address} gave a malformed NAMES_RESP (${answer.length} bytes)`,
    );
  }
  const nodes: Array<{ name: string; port: number }> = [];
  for (const line of answer.toString('utf8', 4).split('\n')) {
    const match = /^name (.+) at port (\d+)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) nodes.push({ name: match[1], port: Number(match[2]) });
  }
  return nodes;
}

/**
 * Makes sure an epmd answers on `options.port` of this host: when none does,
 * starts `epmd -port <port> -daemon` (as `erl` starts one) and waits, at
 * most `options.timeoutMs`, until it answers. The daemon outlives this
 * process, as the one `erl` starts does. Returns whether it started one.
 *
 * Throws EpmdError `epmd_not_found` when the `epmd` executable is not on the
 * PATH, `timeout` when the daemon never answers.
 *
 * @example
 * ```ts
 * await ensureEpmd(); // true: it started `epmd -port 4369 -daemon`; false: one was running already
 * await ensureEpmd({ port: 4370 }); // an epmd of its own on another port
 * ```
 */
export function ensureEpmd(options: Omit<EpmdOptions, 'host'> = {}): Promise<boolean> {
  return startUnlessRunning(resolve('ensureEpmd', { ...options, host: '127.0.0.1' }));
}

async function startUnlessRunning(where: Resolved): Promise<boolean> {
  try {
    await names(where);
    return false;
  } catch (err) {
    if (!(err instanceof EpmdError && err.code === 'epmd_not_running')) throw err;
  }
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn('epmd', ['-port', String(where.port), '-daemon'], { stdio: 'ignore' });
    child.on('error', (err) => {
      const missing = 'code' in err && err.code === 'ENOENT';
      reject(
        missing
          ? new EpmdError(
              'epmd_not_found',
              where.address,
              'epmd not found on the PATH; install Erlang (apt-get install erlang-nox)',
              { cause: err },
            )
          : new EpmdError('socket', where.address, `could not start epmd: ${err.message}`, { cause: err }),
      );
    });
    // With -daemon, epmd forks and the command exits at once.
    child.on('exit', () => resolvePromise());
  });
  const deadline = Date.now() + where.timeoutMs;
  for (;;) {
    try {
      await names(where);
      return true;
    } catch (err) {
      if (!(err instanceof EpmdError && err.code === 'epmd_not_running') || Date.now() > deadline) {
        throw err instanceof EpmdError && err.code === 'epmd_not_running'
          ? new EpmdError(
              'timeout',
              where.address,
              `started epmd on port ${where.port}, but it did not answer in ${where.timeoutMs} ms`,
            )
          : err;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
