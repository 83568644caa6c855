import {
  _,
  exitReasonOf,
  isAlive,
  isTraced,
  type Pid,
  ProcessExit,
  receive,
  self,
  traceCall,
} from '../runtime/index.js';
import { type Awaitable, isPromise } from './awaitable.js';
import { type From, genCall, genCast, isCall, reply, type ServerRef } from './call.js';
import { checkObject } from './checks.js';
import { type Starter, type StartOptions, startProcess } from './start.js';
import { Counters, handleSystem, isSystem, type Statistics, stopProcess } from './sys.js';

/**
 * What to do after a callback, beside the new state, as the last element
 * of OTP's result tuples:
 * - a number: if no message arrives within that many ms, `handleInfo`
 *   gets `'timeout'`;
 * - `'hibernate'`: accepted for porting; does nothing (a JS process has no
 *   heap of its own to compact);
 * - `['continue', c]`: run `handleContinue(c, state)` before the next message.
 */
export type Action = number | 'hibernate' | readonly ['continue', unknown];

/** What `init` returns. */
export type InitResult<S> =
  | readonly ['ok', S]
  | readonly ['ok', S, Action]
  | readonly ['stop', reason: unknown]
  | 'ignore';

/** What `handleCall` returns; `R` is the reply type. */
export type CallResult<S, R> =
  | readonly ['reply', R, S]
  | readonly ['reply', R, S, Action]
  | readonly ['noreply', S]
  | readonly ['noreply', S, Action]
  | readonly ['stop', reason: unknown, R, S]
  | readonly ['stop', reason: unknown, S];

/** What `handleCast`, `handleInfo` and `handleContinue` return. */
export type NoReplyResult<S> =
  | readonly ['noreply', S]
  | readonly ['noreply', S, Action]
  | readonly ['stop', reason: unknown, S];

/** One request a server answers and the type of its reply: `[request, reply]`. */
export type CallSpec = readonly [request: unknown, reply: unknown];

/** The reply type of `request` among `Calls`. */
export type ReplyOf<Calls extends CallSpec, Q> = Calls extends readonly [infer A, infer R]
  ? [Q] extends [Readonly<A>]
    ? R
    : never
  : never;

declare const serverTypes: unique symbol;

/**
 * A GenServer's pid, carrying its request and cast types so `call` and
 * `cast` are checked. The types live only in the type system; a plain `Pid`
 * is not a ServerPid (calls to it are unchecked and yield `unknown`).
 */
export type ServerPid<Calls extends CallSpec = CallSpec, Cast = unknown> = Pid & {
  /** Exists only in the type system: no pid has this property at run time. */
  readonly [serverTypes]: {
    /** The `[request, reply]` pairs the server answers. */
    readonly calls: Calls;
    /** The casts it takes. */
    readonly cast: Cast;
  };
};

/** A pid or name with no server types: calls to it are not checked (a ServerPid is not one). */
export type UntypedServerRef = ServerRef & {
  /** Exists only in the type system: absent here, which is what tells a ServerPid apart. */
  readonly [serverTypes]?: never;
};

/**
 * A GenServer's callbacks: a process that keeps a state and answers
 * requests, as OTP's `gen_server` and Elixir's `GenServer` (the functions
 * that start and call one are the namespace of the same name).
 *
 * You write the callbacks; the behaviour runs the receive loop: calls
 * (`call`, a request that waits for its reply), casts (`cast`, fire and
 * forget) and every other message (`handleInfo`), timeouts, system messages
 * (`getState`, `statistics`, `stop`), and the order in which a stopping
 * server runs `terminate`. Each callback returns what happens next as a
 * tuple, as in Erlang: `['reply', reply, state]`, `['noreply', state]`,
 * `['stop', reason, state]`. Only `init` is required; a server that gets a
 * call without `handleCall` (or a cast without `handleCast`) crashes, as in
 * Erlang; a message without `handleInfo` is dropped with a warning.
 *
 * `S` is the state's type, `Calls` the `[request, reply]` pairs it answers,
 * `Cast` its casts, `Info` its other messages, `Args` what `init` takes.
 *
 * ```ts
 * type Calls = readonly [['get'], number] | readonly [['add', number], number];
 * // State number, these Calls, the cast 'reset', any Info, init's argument a number
 * const counter: GenServer<number, Calls, 'reset', unknown, number> = {
 *   init: (start) => ['ok', start],
 *   handleCall: (req, _from, n) => (req[0] === 'get' ? ['reply', n, n] : ['reply', n + req[1], n + req[1]]),
 *   handleCast: (_reset, _n) => ['noreply', 0],
 * };
 * const pid = await GenServer.start(counter, 0);
 * await GenServer.call(pid, ['add', 2]); // 2, typed as number
 * await GenServer.stop(pid);
 * ```
 */
export interface GenServer<S, Calls extends CallSpec = CallSpec, Cast = never, Info = unknown, Args = void> {
  /** A name for logs and traces (Erlang's module name). */
  readonly name?: string;
  /** Runs in the new process before `start` returns; gives the first state. */
  init(args: Args): Awaitable<InitResult<S>>;
  /** A call: reply now (`['reply', r, s]`), later with `reply(from, r)` (`['noreply', s]`), or stop. */
  handleCall?(request: Calls[0], from: From<Calls[1]>, state: S): Awaitable<CallResult<S, Calls[1]>>;
  /** A cast (`GenServer.cast`): no reply; go on with a new state, or stop. */
  handleCast?(request: Cast, state: S): Awaitable<NoReplyResult<S>>;
  /** Any other message: monitors' DOWNs, trapped EXITs, timers, `'timeout'` after an Action timeout. */
  handleInfo?(message: Info | 'timeout', state: S): Awaitable<NoReplyResult<S>>;
  /** Runs at once after a callback that returned the action `['continue', cont]`, before any message (OTP 21's `handle_continue`). */
  handleContinue?(cont: unknown, state: S): Awaitable<NoReplyResult<S>>;
  /**
   * Runs when the server stops: a `'stop'` result, a callback that threw,
   * `stop(server)`, or (when it traps exits) its parent's exit. Not when it
   * is killed, nor when a link kills a server that does not trap exits.
   */
  terminate?(reason: unknown, state: S): unknown;
}

const ANY = [_];
const TIMED_OUT = Symbol('timeout');

class Server<S> {
  state!: S;
  action: Action | undefined = undefined;
  private readonly counters = new Counters();
  readonly label: string;

  constructor(
    readonly spec: GenServer<S, CallSpec, unknown, unknown, unknown>,
    readonly parent: Pid | undefined,
  ) {
    this.label = spec.name ?? 'gen_server';
  }

  /** Runs `init` and acks the starter; false if the server must not go on. */
  async init(args: unknown, starter: Starter): Promise<void> {
    let result: InitResult<S>;
    try {
      result = (await this.spec.init(args)) as InitResult<S>;
    } catch (error) {
      starter.ack(['error', exitReasonOf(error)]);
      throw error;
    }
    if (result === 'ignore') {
      starter.ack(['ignore']);
      throw new ProcessExit('normal');
    }
    if (Array.isArray(result) && result[0] === 'ok' && (result.length === 2 || result.length === 3)) {
      this.state = result[1] as S;
      this.action = result.length === 3 ? (result[2] as Action) : undefined;
      starter.ack(['ok']);
      return;
    }
    if (Array.isArray(result) && result[0] === 'stop' && result.length === 2) {
      starter.ack(['error', result[1]]);
      throw new ProcessExit(result[1]);
    }
    const reason = ['bad_return_value', result];
    starter.ack(['error', reason]);
    throw new ProcessExit(reason);
  }

  async loop(): Promise<never> {
    for (;;) {
      const action = this.action;
      this.action = undefined;
      let step: void | Promise<void>;
      try {
        if (Array.isArray(action) && action[0] === 'continue') {
          step = this.continueWith(action[1]);
        } else {
          // Without a timeout, the plain form: no `after`, no extra promise.
          const message = typeof action === 'number' ? await receive(ANY, action, TIMED_OUT) : await receive(ANY);
          step = this.dispatch(message);
        }
        // Callbacks that return at once are carried out at once: an await
        // per message only where a callback is async.
        if (step !== undefined) await step;
      } catch (error) {
        await this.failed(error);
      }
    }
  }

  private dispatch(message: unknown): void | Promise<void> {
    if (isCall(message)) {
      this.counters.messagesIn++;
      return this.call(message[2], message[1]);
    }
    if (message === TIMED_OUT) {
      this.counters.messagesIn++;
      return this.info('timeout');
    }
    if (isCast(message)) {
      this.counters.messagesIn++;
      return this.cast(message[1]);
    }
    if (isSystem(message)) return handleSystem(message[1], message[2], this.system);
    if (this.parent !== undefined && isParentExit(message, this.parent)) {
      // gen_server: a server that traps exits stops with its parent's reason.
      return this.terminate(message[2]);
    }
    this.counters.messagesIn++;
    return this.info(message);
  }

  /** A callback threw: terminate runs with its reason, then the process ends. */
  private async failed(error: unknown): Promise<never> {
    if (error instanceof Stopping) throw error.exit;
    // Killed, or ended by a link while not trapping exits: the process is
    // already dead and only unwinding. OTP runs no terminate then.
    if (!isAlive(self())) throw error;
    try {
      await this.callTerminate(exitReasonOf(error));
    } catch (failed) {
      if (failed instanceof Stopping) throw failed.exit;
      throw failed;
    }
    throw error;
  }

  private call(request: unknown, from: From): void | Promise<void> {
    const { handleCall } = this.spec;
    if (isTraced('call')) traceCall([this.label, 'handleCall', [request, from]]);
    if (handleCall === undefined)
      throw new Error(`${this.label} has no handleCall, but got a call: ${String(request)}`);
    const result = handleCall.call(this.spec, request, from, this.state);
    return isPromise(result) ? result.then((r) => this.called(r, from)) : this.called(result, from);
  }

  private called(result: unknown, from: From): void | Promise<void> {
    if (Array.isArray(result)) {
      if (result[0] === 'reply' && (result.length === 3 || result.length === 4)) {
        this.state = result[2] as S;
        this.action = result[3] as Action | undefined;
        this.counters.messagesOut++;
        reply(from, result[1]);
        return;
      }
      if (result[0] === 'stop' && result.length === 4)
        return this.stopReplying(result[1], result[2], result[3] as S, from);
    }
    return this.noReply(result, 'handleCall');
  }

  /** gen_server's `{stop, Reason, Reply, State}`: terminate first, then the reply, then the exit. */
  private async stopReplying(reason: unknown, value: unknown, state: S, from: From): Promise<void> {
    this.state = state;
    await this.callTerminate(reason);
    this.counters.messagesOut++;
    reply(from, value);
    throw new Stopping(reason);
  }

  private cast(request: unknown): void | Promise<void> {
    const { handleCast } = this.spec;
    if (isTraced('call')) traceCall([this.label, 'handleCast', [request]]);
    if (handleCast === undefined)
      throw new Error(`${this.label} has no handleCast, but got a cast: ${String(request)}`);
    return this.settle(handleCast.call(this.spec, request, this.state), 'handleCast');
  }

  private info(message: unknown): void | Promise<void> {
    const { handleInfo } = this.spec;
    if (isTraced('call')) traceCall([this.label, 'handleInfo', [message]]);
    if (handleInfo === undefined) {
      // gen_server logs "undefined handle_info" and goes on.
      console.warn(`beamish: ${this.label} has no handleInfo; dropped`, message);
      return;
    }
    return this.settle(handleInfo.call(this.spec, message, this.state), 'handleInfo');
  }

  private continueWith(cont: unknown): void | Promise<void> {
    const { handleContinue } = this.spec;
    if (handleContinue === undefined)
      throw new Error(`${this.label} returned ['continue', ...] but has no handleContinue`);
    return this.settle(handleContinue.call(this.spec, cont, this.state), 'handleContinue');
  }

  /** A noreply-kind result, now or once its promise settles. */
  private settle(result: unknown, callback: string): void | Promise<void> {
    return isPromise(result) ? result.then((r) => this.noReply(r, callback)) : this.noReply(result, callback);
  }

  /** `['noreply', s]`, `['noreply', s, action]` or `['stop', reason, s]`; anything else is a bad return value. */
  private noReply(result: unknown, callback: string): void | Promise<void> {
    if (Array.isArray(result)) {
      if (result[0] === 'noreply' && (result.length === 2 || result.length === 3)) {
        this.state = result[1] as S;
        this.action = result[2] as Action | undefined;
        return;
      }
      if (result[0] === 'stop' && result.length === 3) {
        this.state = result[2] as S;
        return this.callTerminate(result[1]).then(() => {
          throw new Stopping(result[1]);
        });
      }
    }
    throw new ProcessExit(['bad_return_value', result], `${this.label}.${callback} returned a bad value`);
  }

  /** Runs terminate; if it throws, its reason replaces `reason`, as in OTP. */
  private async callTerminate(reason: unknown): Promise<void> {
    const { terminate } = this.spec;
    if (terminate === undefined) return;
    try {
      await terminate.call(this.spec, reason, this.state);
    } catch (error) {
      throw new Stopping(exitReasonOf(error), error);
    }
  }

  /** terminate, then exit with `reason`: for stop requests and a parent's exit. */
  async terminate(reason: unknown): Promise<never> {
    // Stopping, not ProcessExit: the loop must not take it for a crash and
    // run terminate a second time.
    await this.callTerminate(reason);
    throw new Stopping(reason);
  }

  readonly system = {
    getState: (): unknown => this.state,
    replaceState: (fn: (state: unknown) => unknown): unknown => {
      this.state = fn(this.state) as S;
      return this.state;
    },
    statistics: (): Statistics => this.counters.statistics(),
    terminate: (reason: unknown): Promise<never> => this.terminate(reason),
  };
}

/** A stop decided by the server (a `'stop'` result, or terminate throwing): exit with `exit`. */
class Stopping {
  readonly exit: unknown;
  constructor(reason: unknown, thrown?: unknown) {
    // A terminate that threw an Error: rethrow it, so it is reported as a crash.
    this.exit = thrown instanceof Error && !(thrown instanceof ProcessExit) ? thrown : new ProcessExit(reason);
  }
}

function isCast(message: unknown): message is readonly ['$gen_cast', unknown] {
  return Array.isArray(message) && message.length === 2 && message[0] === '$gen_cast';
}

function isParentExit(message: unknown, parent: Pid): message is readonly ['EXIT', Pid, unknown] {
  return Array.isArray(message) && message.length === 3 && message[0] === 'EXIT' && message[1] === parent;
}

function checkSpec(fn: string, spec: unknown): void {
  checkObject(fn, 'server', spec);
  if (typeof (spec as { init?: unknown }).init !== 'function')
    throw new TypeError(`${fn}: bad argument 'server': expected callbacks with an init function`);
}

async function starting<S, Calls extends CallSpec, Cast, Info, Args>(
  fn: string,
  spec: GenServer<S, Calls, Cast, Info, Args>,
  args: Args,
  link: boolean,
  opts: StartOptions | undefined,
): Promise<ServerPid<Calls, Cast>> {
  checkSpec(fn, spec);
  const body = async (starter: Starter): Promise<void> => {
    const server = new Server<S>(
      spec as GenServer<S, CallSpec, unknown, unknown, unknown>,
      link ? starter.parent : undefined,
    );
    try {
      await server.init(args, starter);
    } catch (error) {
      if (error instanceof Stopping) throw error.exit;
      throw error;
    }
    await server.loop();
  };
  return startProcess(fn, body, link, opts) as Promise<ServerPid<Calls, Cast>>;
}

// The doc comments of these functions are on the `GenServer` object at the end
// of this file, where TypeDoc (its `@namespace`) and editors read them.
function start<S, Calls extends CallSpec, Cast, Info, Args>(
  server: GenServer<S, Calls, Cast, Info, Args>,
  args: Args,
  opts?: StartOptions,
): Promise<ServerPid<Calls, Cast>> {
  return starting('GenServer.start', server, args, false, opts);
}

function startLink<S, Calls extends CallSpec, Cast, Info, Args>(
  server: GenServer<S, Calls, Cast, Info, Args>,
  args: Args,
  opts?: StartOptions,
): Promise<ServerPid<Calls, Cast>> {
  return starting('GenServer.startLink', server, args, true, opts);
}

function call<Calls extends CallSpec, const Q extends Readonly<Calls[0]>>(
  server: ServerPid<Calls, unknown>,
  request: Q,
  timeoutMs?: number,
): Promise<ReplyOf<Calls, Q>>;
function call<R = unknown>(server: UntypedServerRef, request: unknown, timeoutMs?: number): Promise<R>;
function call(server: ServerRef, request: unknown, timeoutMs = 5000): Promise<unknown> {
  return genCall('gen_server', 'GenServer.call', server, '$gen_call', request, timeoutMs);
}

function cast<Cast>(server: ServerPid<CallSpec, Cast>, request: NoInfer<Cast>): void;
function cast(server: UntypedServerRef, request: unknown): void;
function cast(server: ServerRef, request: unknown): void {
  genCast('GenServer.cast', server, request);
}

function stop(server: ServerRef, reason: unknown = 'normal', timeoutMs = Infinity): Promise<void> {
  return stopProcess('gen_server', 'GenServer.stop', server, reason, timeoutMs);
}

/**
 * The GenServer functions: `GenServer.start`, `.startLink`, `.call`,
 * `.cast`, `.reply`, `.stop` (Erlang's `gen_server:start/3`, ...). The
 * callbacks a server is made of are the interface of the same name.
 *
 * ```ts
 * const pid = await GenServer.start(counter, 0);
 * await GenServer.call(pid, ['add', 2]); // 2
 * GenServer.cast(pid, 'reset');
 * await GenServer.stop(pid);
 * ```
 *
 * @namespace
 */
export const GenServer = {
  /**
   * Starts a server, not linked to the caller (`gen_server:start/3,4`).
   * Resolves with its pid once `init` has returned `['ok', state]`; rejects
   * with StartError (its `reason`: what init stopped with, `'ignore'`,
   * `['already_started', pid]`, `'timeout'`, or init's crash reason).
   *
   * ```ts
   * const pid = await GenServer.start(counter, 0, { name: 'counter' });
   * // Erlang: {ok, Pid} = gen_server:start({local, counter}, counter, 0, []).
   * ```
   *
   * @function
   */
  start,
  /**
   * Starts a server linked to the caller (`gen_server:start_link/3,4`): what a
   * supervisor's child start function calls. A server started so that traps
   * exits stops (running terminate) when its parent exits.
   *
   * ```ts
   * const child: ChildSpec = { id: 'counter', start: () => GenServer.startLink(counter, 0) };
   * ```
   *
   * @function
   */
  startLink,
  /**
   * Calls a server and waits for its reply (`gen_server:call/2,3`; default
   * timeout 5000 ms, as OTP's). Throws CallError: `why` is `'noproc'` (dead
   * server, or a name nothing holds), `'timeout'`, `'calling_self'`, or the
   * reason the server died with during the call. A reply that comes after
   * the timeout is dropped, never left in the caller's mailbox.
   *
   * ```ts
   * const n = await GenServer.call(pid, ['add', 2]); // typed from the request: number
   * const m = await GenServer.call<number>('counter', ['get'], 1000); // by name: unchecked
   * ```
   *
   * @function
   */
  call,
  /**
   * Sends a cast `['$gen_cast', request]` and returns at once
   * (`gen_server:cast/2`); never fails, not even for a dead server or a name
   * nothing holds. The server gets it in `handleCast`.
   *
   * ```ts
   * GenServer.cast(pid, 'reset');
   * ```
   *
   * @function
   */
  cast,
  /**
   * Answers a call later, from any callback or any process
   * (`gen_server:reply/2`): `handleCall` keeps `from` and returns
   * `['noreply', state]`. A reply to a caller that gave up (timed out, died)
   * is dropped.
   *
   * ```ts
   * // handleCall keeps the caller waiting: ['noreply', { ...state, waiting: [...state.waiting, from] }]
   * // ... later, from any callback, once the answer is known:
   * for (const from of state.waiting) GenServer.reply(from, answer);
   * ```
   *
   * @function
   */
  reply,
  /**
   * Stops a server with `reason` (default `'normal'`) and waits until it has
   * run terminate and exited (`gen_server:stop/3`; default timeout Infinity).
   * Throws CallError `'noproc'` if there is no such server.
   *
   * ```ts
   * await GenServer.stop(pid);
   * await GenServer.stop('counter', 'shutdown', 5000);
   * ```
   *
   * @function
   */
  stop,
} as const;
