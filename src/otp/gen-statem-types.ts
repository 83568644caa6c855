import type { Awaitable } from './awaitable.js';
import type { From } from './call.js';
import type { CallSpec } from './gen-server.js';

/**
 * The types of GenStatem (OTP's `gen_statem`): event types, what a state
 * callback returns, the actions it can ask for, and the callbacks a state
 * machine is made of. Erlang's tuples are arrays, its atoms strings:
 * `{next_state, open, Data, [{state_timeout, 10000, lock}]}` is
 * `['next_state', 'open', data, [['state_timeout', 10000, 'lock']]]`.
 */

/** A generic (named) timeout's event type, Erlang's `{timeout, Name}`. */
export type GenericTimeoutType<Name = unknown> = readonly ['timeout', Name];

/**
 * The event types a timeout generates: `'timeout'` (the event timeout),
 * `'state_timeout'`, and `['timeout', name]` (a generic timeout).
 */
export type TimeoutEventType = 'timeout' | 'state_timeout' | GenericTimeoutType;

/**
 * Every event type (Erlang's `event_type()`): `['call', from]` (a `call`,
 * answer it with a reply action or `GenStatem.reply(from, value)`),
 * `'cast'`, `'info'` (any other message), the timeouts, and `'internal'`
 * (what `['next_event', 'internal', x]` inserts).
 */
export type EventType = readonly ['call', From] | 'cast' | 'info' | 'internal' | TimeoutEventType;

/**
 * The `(type, content)` pairs a state callback gets. Checking `type`
 * narrows `content`: after `type === 'cast'` it is a `Cast`, after
 * `type === 'info'` an `Info`. A call's request is not narrowed (TypeScript
 * narrows on the first element only when it is a string); take it as
 * `content as Calls[0]` after `type[0] === 'call'`.
 */
export type StateEvent<Calls extends CallSpec, Cast, Info> =
  | (Calls extends CallSpec ? readonly [type: readonly ['call', From<Calls[1]>], content: Calls[0]] : never)
  | readonly [type: 'cast', content: Cast]
  | readonly [type: 'info', content: Info]
  | readonly [type: 'internal' | TimeoutEventType, content: unknown];

/**
 * The state enter call's pair: `('enter', oldState)`. It comes after every
 * state change (and after `repeat_state`) when `stateEnter` is on, and once
 * at start with the first state as `oldState`.
 */
export type EnterEvent<State> = readonly [type: 'enter', oldState: State];

/** `['reply', from, value]`: answers a call (`{reply, From, Reply}`). */
export type ReplyAction = readonly ['reply', From, unknown];

/**
 * Starts, restarts, cancels or updates a timeout. Only the last timeout
 * action of each kind in one result counts, as in OTP.
 * - `['timeout', ms, content]`: the event timeout; cancelled by any event;
 * - `['state_timeout', ms, content]`: cancelled by a state change;
 * - `[['timeout', name], ms, content]`: a generic timeout, cancelled only by
 *   `cancel` (or another of the same name, which restarts it);
 * - `ms` is whole milliseconds >= 0; `Infinity` cancels, as OTP's
 *   `infinity`; `0` fires after the events already queued (inserted or
 *   retried) but before any message not yet received;
 * - `[kind, 'cancel']` cancels; `[kind, 'update', content]` changes the
 *   content of a running timeout, or fires at once (as a 0 timeout) if none
 *   is running;
 * - a bare number `ms` is Erlang's bare `Time`: `['timeout', ms, ms]`.
 */
export type TimeoutAction =
  | number
  | readonly [kind: TimeoutEventType, ms: number, content: unknown]
  | readonly [kind: TimeoutEventType, 'cancel']
  | readonly [kind: TimeoutEventType, 'update', content: unknown];

/**
 * What a state enter call may ask for: replies, timeouts and hibernate.
 * `'hibernate'` (or `['hibernate', true]`) is taken for porting and does
 * nothing: a JS process has no heap of its own to compact.
 */
export type EnterAction = ReplyAction | TimeoutAction | 'hibernate' | readonly ['hibernate', boolean];

/**
 * What an event's callback may ask for: the enter actions, and
 * - `'postpone'` (or `['postpone', true]`): keep this event and retry it
 *   after the next state change, before newer events;
 * - `['next_event', type, content]`: handle this event next, before any
 *   message in the mailbox; several are handled in the order given.
 */
export type StatemAction =
  | EnterAction
  | 'postpone'
  | readonly ['postpone', boolean]
  | readonly ['next_event', type: EventType, content: unknown];

/**
 * The actions of a result: a list, or one action written alone, as Erlang
 * takes `Actions` or a single `Action`. An array is a list of actions
 * unless it is one action and not also a list of actions (some element of
 * it is no action): `['reply', from, x]`, `['postpone', true]`,
 * `['state_timeout', 100, 'lock']` are one action each; `['postpone']` and
 * `[['reply', from, x]]` are lists. The one array that reads both ways,
 * `[['timeout', 'cancel'], ms, action]`, is a list (put a generic timeout
 * named `'cancel'` in a list of its own).
 *
 * ```ts
 * const one: StatemActions = ['state_timeout', 10_000, 'lock']; // {state_timeout, 10000, lock}
 * const list: StatemActions = [['state_timeout', 10_000, 'lock'], 'postpone'];
 * ```
 */
export type StatemActions = readonly StatemAction[] | StatemAction;

/**
 * What a state callback returns (Erlang's `event_handler_result()` and
 * `state_enter_result()`):
 * - `['next_state', state, data(, actions)]`: go to `state` (a state enter
 *   call may only name its own state);
 * - `['keep_state', data(, actions)]`, `'keep_state_and_data'`,
 *   `['keep_state_and_data', actions]`: stay;
 * - `['repeat_state', data(, actions)]`, `'repeat_state_and_data'`,
 *   `['repeat_state_and_data', actions]`: stay, and run the state enter call
 *   again (when `stateEnter` is on);
 * - `'stop'`, `['stop', reason(, data)]`: run terminate, exit with `reason`;
 * - `['stop_and_reply', reason, replies(, data)]`: send the replies, then
 *   as `stop`.
 *
 * A state enter call may not `postpone` nor `next_event`, nor go to another
 * state: that stops the machine, as in OTP.
 */
export type StateCallbackResult<State, Data> =
  | readonly ['next_state', State, Data]
  | readonly ['next_state', State, Data, StatemActions]
  | readonly ['keep_state', Data]
  | readonly ['keep_state', Data, StatemActions]
  | 'keep_state_and_data'
  | readonly ['keep_state_and_data', StatemActions]
  | readonly ['repeat_state', Data]
  | readonly ['repeat_state', Data, StatemActions]
  | 'repeat_state_and_data'
  | readonly ['repeat_state_and_data', StatemActions]
  | 'stop'
  | readonly ['stop', reason: unknown]
  | readonly ['stop', reason: unknown, Data]
  | readonly ['stop_and_reply', reason: unknown, replies: readonly ReplyAction[] | ReplyAction]
  | readonly ['stop_and_reply', reason: unknown, replies: readonly ReplyAction[] | ReplyAction, Data];

/**
 * What `init` returns: `['ok', state, data(, actions)]`; `['stop', reason]`
 * (start fails with `reason`, the process exits with it); `['error', reason]`
 * (start fails with `reason`, the process exits normally, OTP 26's silent
 * failure); `'ignore'`.
 */
export type StatemInitResult<State, Data> =
  | readonly ['ok', State, Data]
  | readonly ['ok', State, Data, StatemActions]
  | readonly ['stop', reason: unknown]
  | readonly ['error', reason: unknown]
  | 'ignore';

/**
 * One state's callback in `'state_functions'` mode, Erlang's
 * `StateName(EventType, EventContent, Data)`; `('enter', oldState, data)` for
 * the state enter call.
 */
export type StateFunction<State, Data, Calls extends CallSpec = CallSpec, Cast = never, Info = unknown> = (
  ...args: [...(StateEvent<Calls, Cast, Info> | EnterEvent<State>), data: Data]
) => Awaitable<StateCallbackResult<State, Data>>;

/**
 * The one callback of `'handle_event_function'` mode, Erlang's
 * `handle_event(EventType, EventContent, State, Data)`; `('enter',
 * oldState, state, data)` for the state enter call.
 */
export type HandleEvent<State, Data, Calls extends CallSpec = CallSpec, Cast = never, Info = unknown> = (
  ...args: [...(StateEvent<Calls, Cast, Info> | EnterEvent<State>), state: State, data: Data]
) => Awaitable<StateCallbackResult<State, Data>>;

/** The callback mode, as `callback_mode/0` returns it. */
export type CallbackMode = 'state_functions' | 'handle_event_function';
