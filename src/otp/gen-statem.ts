import { BadArgError } from '../runtime/index.js';
import type { Awaitable } from './awaitable.js';
import { genCall, genCast, reply, type ServerRef } from './call.js';
import { checkObject, show } from './checks.js';
import type { CallSpec, ReplyOf, ServerPid, UntypedServerRef } from './gen-server.js';
import { type AnyStatem, Machine } from './gen-statem-engine.js';
import type { CallbackMode, HandleEvent, StateFunction, StatemInitResult } from './gen-statem-types.js';
import { type Starter, type StartOptions, startProcess } from './start.js';
import { stopProcess } from './sys.js';

/**
 * GenStatem: a state machine process, as OTP's `gen_statem`. The machine is
 * in one state at a time and keeps data; each event (a call, a cast, any
 * other message, a timeout, an inserted event) goes to the callback of the
 * current state, which returns what happens next as a tuple, as in Erlang:
 * `['next_state', state, data, actions]`, `['keep_state', data]`,
 * `['stop', reason]`. The behaviour does the rest: postponed events retried
 * after a state change, inserted events, the event, state and generic
 * timeouts, state enter calls, replies, system messages (`getState` gives
 * `[state, data]`) and terminate.
 *
 * The code lock of OTP's design principles, in `'state_functions'` mode:
 *
 * ```ts
 * type Data = { code: string; typed: string };
 * // State, Data, Calls (none), Cast, Info (none), Args (init's argument)
 * const lock: GenStatem<'locked' | 'open', Data, never, ['button', string], never, string> = {
 *   callbackMode: 'state_functions',
 *   init: (code: string) => ['ok', 'locked', { code, typed: '' }],
 *   states: {
 *     locked(type, content, data) {
 *       if (type !== 'cast') return 'keep_state_and_data';
 *       const typed = data.typed + content[1];
 *       if (typed === data.code) return ['next_state', 'open', { ...data, typed: '' }, [['state_timeout', 10_000, 'lock']]];
 *       return ['keep_state', { ...data, typed: data.code.startsWith(typed) ? typed : '' }];
 *     },
 *     open(type, _content, data) {
 *       if (type === 'state_timeout') return ['next_state', 'locked', data];
 *       if (type === 'cast') return ['keep_state_and_data', 'postpone'];
 *       return 'keep_state_and_data';
 *     },
 *   },
 * };
 * const pid = await GenStatem.start(lock, '123');
 * for (const digit of '123') GenStatem.cast(pid, ['button', digit]);
 * ```
 *
 * Where it differs from OTP: no `{abs, true}` timeout option, no
 * `change_callback_module`, and `hibernate` does nothing.
 *
 * The callbacks of a state machine. `State` is the type of its states (a
 * union of names in `'state_functions'` mode), `Data` its data; `Calls`,
 * `Cast` and `Info` type its calls (`[request, reply]` pairs, as for
 * GenServer), casts and other messages; `Args` is what `init` takes.
 */
export interface GenStatem<State, Data, Calls extends CallSpec = CallSpec, Cast = never, Info = unknown, Args = void> {
  /** A name for logs and traces (Erlang's module name). */
  readonly name?: string;
  /**
   * `'state_functions'`: one callback per state, in `states`;
   * `'handle_event_function'`: one `handleEvent` for all states.
   * Erlang's `callback_mode/0`.
   */
  readonly callbackMode: CallbackMode;
  /** Call the state's callback with `('enter', oldState, ...)` after each state change: Erlang's `state_enter`. */
  readonly stateEnter?: boolean;
  /** Runs in the new process before `start` returns; gives the first state and data. */
  init(args: Args): Awaitable<StatemInitResult<State, Data>>;
  /** `'state_functions'` mode: each state's callback, `(type, content, data)`. */
  readonly states?: { readonly [K in State & string]: StateFunction<State, Data, Calls, Cast, Info> };
  /** `'handle_event_function'` mode: the callback for every state, `(type, content, state, data)`. */
  readonly handleEvent?: HandleEvent<State, Data, Calls, Cast, Info>;
  /**
   * Runs when the machine stops: a stop result, a callback that threw or
   * returned a bad value, `GenStatem.stop`, or (when it traps exits) its
   * parent's exit. Not when it is killed, nor when a link kills a machine
   * that does not trap exits.
   */
  terminate?(reason: unknown, state: State, data: Data): unknown;
}

function checkStatem(fn: string, statem: unknown): asserts statem is AnyStatem {
  checkObject(fn, 'statem', statem);
  const { init, callbackMode, states, handleEvent } = statem as Partial<Record<keyof AnyStatem, unknown>>;
  if (typeof init !== 'function') throw new BadArgError(fn, 'statem', 'expected callbacks with an init function');
  if (callbackMode === 'state_functions') {
    checkObject(fn, 'statem.states', states);
  } else if (callbackMode === 'handle_event_function') {
    if (typeof handleEvent !== 'function')
      throw new BadArgError(
        fn,
        'statem.handleEvent',
        "callbackMode 'handle_event_function' needs a handleEvent function",
      );
  } else {
    throw new BadArgError(
      fn,
      'statem.callbackMode',
      `expected 'state_functions' (with states) or 'handle_event_function' (with handleEvent), got ${show(callbackMode)}`,
    );
  }
}

function starting<State, Data, Calls extends CallSpec, Cast, Info, Args>(
  fn: string,
  statem: GenStatem<State, Data, Calls, Cast, Info, Args>,
  args: Args,
  link: boolean,
  opts: StartOptions | undefined,
): Promise<ServerPid<Calls, Cast>> {
  checkStatem(fn, statem);
  const body = async (starter: Starter): Promise<void> => {
    const machine = new Machine(statem as AnyStatem, link ? starter.parent : undefined);
    await machine.init(args, starter);
    await machine.loop();
  };
  return startProcess(fn, body, link, opts) as Promise<ServerPid<Calls, Cast>>;
}

// The doc comments of these functions are on the `GenStatem` object at the end
// of this file, where TypeDoc (its `@namespace`) and editors read them.
function start<State, Data, Calls extends CallSpec, Cast, Info, Args>(
  statem: GenStatem<State, Data, Calls, Cast, Info, Args>,
  args: Args,
  opts?: StartOptions,
): Promise<ServerPid<Calls, Cast>> {
  return starting('GenStatem.start', statem, args, false, opts);
}

function startLink<State, Data, Calls extends CallSpec, Cast, Info, Args>(
  statem: GenStatem<State, Data, Calls, Cast, Info, Args>,
  args: Args,
  opts?: StartOptions,
): Promise<ServerPid<Calls, Cast>> {
  return starting('GenStatem.startLink', statem, args, true, opts);
}

function call<Calls extends CallSpec, const Q extends Readonly<Calls[0]>>(
  server: ServerPid<Calls, unknown>,
  request: Q,
  timeoutMs?: number,
): Promise<ReplyOf<Calls, Q>>;
function call<R = unknown>(server: UntypedServerRef, request: unknown, timeoutMs?: number): Promise<R>;
function call(server: ServerRef, request: unknown, timeoutMs = Infinity): Promise<unknown> {
  return genCall('gen_statem', 'GenStatem.call', server, '$gen_call', request, timeoutMs);
}

function cast<Cast>(server: ServerPid<CallSpec, Cast>, request: NoInfer<Cast>): void;
function cast(server: UntypedServerRef, request: unknown): void;
function cast(server: ServerRef, request: unknown): void {
  genCast('GenStatem.cast', server, request);
}

function stop(server: ServerRef, reason: unknown = 'normal', timeoutMs = Infinity): Promise<void> {
  return stopProcess('gen_statem', 'GenStatem.stop', server, reason, timeoutMs);
}

/**
 * The GenStatem functions: `GenStatem.start`, `.startLink`, `.call`, `.cast`,
 * `.reply` (answer a call from anywhere, `gen_statem:reply/2`), `.stop`.
 * `getState(pid)` (from beamish/otp) gives `[state, data]`.
 *
 * ```ts
 * const pid = await GenStatem.start(lock, '123');
 * GenStatem.cast(pid, ['button', '1']);
 * await GenStatem.stop(pid);
 * ```
 *
 * @namespace
 */
export const GenStatem = {
  /**
   * Starts a state machine, not linked to the caller (`gen_statem:start/3,4`).
   * Resolves with its pid once `init` has returned `['ok', state, data]`
   * (init's actions and the first state enter call run after that); rejects
   * with StartError (its `reason`: what init stopped or failed with,
   * `'ignore'`, `['already_started', pid]`, `'timeout'`,
   * `['bad_return_from_init', x]`, or init's crash reason).
   *
   * ```ts
   * const pid = await GenStatem.start(lock, '123', { name: 'code_lock' });
   * ```
   *
   * @function
   */
  start,
  /**
   * Starts a state machine linked to the caller (`gen_statem:start_link/3,4`):
   * what a supervisor's child start function calls. One started so that
   * traps exits stops (running terminate) when its parent exits.
   *
   * ```ts
   * const pid = await GenStatem.startLink(lock, '123');
   * ```
   *
   * @function
   */
  startLink,
  /**
   * Calls a state machine and waits for its reply (`gen_statem:call/2,3`).
   * The machine gets the event `(['call', from], request)` and answers with a
   * `['reply', from, value]` action, now or in a later state. The default
   * timeout is Infinity, as gen_statem's (gen_server's is 5000). Throws
   * CallError: `why` is `'noproc'`, `'timeout'`, `'calling_self'`, or the
   * reason the machine died with during the call; the error's `reason` is
   * `[why, ['gen_statem', 'call', [server, request, timeoutMs]]]`.
   *
   * ```ts
   * const open = await GenStatem.call(pid, ['is_open'], 1000); // typed from the machine's Calls
   * const byName = await GenStatem.call<boolean>('code_lock', ['is_open']); // by name: unchecked
   * ```
   *
   * @function
   */
  call,
  /**
   * Sends a cast, the event `('cast', request)`, and returns at once
   * (`gen_statem:cast/2`); never fails.
   *
   * ```ts
   * GenStatem.cast(pid, ['button', '1']);
   * ```
   *
   * @function
   */
  cast,
  /**
   * Answers a call from anywhere, later or from another process
   * (`gen_statem:reply/2`): the same as a `['reply', from, value]` action.
   * A reply to a caller that gave up (timed out, died) is dropped.
   *
   * ```ts
   * // a state callback keeps the caller waiting, its `from` in the data:
   * //   if (typeof type === 'object' && type[0] === 'call') return ['keep_state', { ...data, waiting: type[1] }];
   * // later, from any callback or any process:
   * GenStatem.reply(data.waiting, 'open');
   * ```
   *
   * @function
   */
  reply,
  /**
   * Stops a state machine with `reason` (default `'normal'`) and waits until
   * it has run terminate and exited (`gen_statem:stop/3`; default timeout
   * Infinity).
   *
   * ```ts
   * await GenStatem.stop(pid);
   * ```
   *
   * @function
   */
  stop,
} as const;
