import { isDeepStrictEqual } from 'node:util';
import {
  _,
  BadArgError,
  exitReasonOf,
  formatTerm,
  isTraced,
  Pid,
  ProcessExit,
  receive,
  traceCall,
} from '../runtime/index.js';
import { type Awaitable, isPromise } from './awaitable.js';
import { type From, isCall, reply } from './call.js';
import { show } from './checks.js';
import type { CallSpec } from './gen-server.js';
import type { GenStatem } from './gen-statem.js';
import { Timeouts, timeoutKey } from './gen-statem-timeouts.js';
import type { EventType, TimeoutEventType } from './gen-statem-types.js';
import type { Starter } from './start.js';
import { Counters, handleSystem, isSystem, type Statistics } from './sys.js';

/**
 * The engine of GenStatem: the loop of one state machine process, as OTP's
 * `gen_statem` runs it. It takes an event (a queued one first, then a 0 ms
 * timeout, then the next message), calls the state callback, carries out
 * the actions (replies at once; postpone, inserted events and timeouts
 * collected), makes the state enter calls that are due, and then the state
 * transition: postponed events back in front of the queue on a state
 * change, timeouts cancelled and started, inserted events first. Stops run
 * terminate, then end the process with the reason.
 */

/** An event as the machine queues it: `[type, content]`. */
type Event = readonly [type: EventType, content: unknown];

/** What a callback's result means: go on in `state` with `data` (then maybe a state enter call), or stop. */
type Outcome =
  | {
      readonly stop: false;
      readonly state: unknown;
      readonly data: unknown;
      readonly enter: boolean;
      readonly actions: unknown;
    }
  | {
      readonly stop: true;
      readonly reason: unknown;
      readonly state: unknown;
      readonly data: unknown;
      readonly replies: unknown;
    };

/** What one event's callbacks (the event's, then any state enter calls) ask for, collected until its state transition. */
interface Pending {
  postpone: boolean;
  readonly nextEvents: Event[];
  /** The timeout actions, in order: `[kind, ms | 'cancel' | 'update', content]`. */
  readonly timeouts: (readonly [TimeoutEventType, number | 'cancel' | 'update', unknown])[];
}

export type AnyStatem = GenStatem<unknown, unknown, CallSpec, unknown, unknown, unknown>;
type LooseCallback = (...args: unknown[]) => Awaitable<unknown>;

const ANY = [_];
/** OTP's stand-in for the event init's actions belong to: never postponed, never handled. */
const INIT_EVENT: Event = ['internal', 'init_state'];

/** Erlang's `=:=` on states: arrays and plain objects compare by content, pids and refs by identity. */
function sameState(a: unknown, b: unknown): boolean {
  return a === b || isDeepStrictEqual(a, b);
}

/** A stop decided by the machine: exit with `exit` (a ProcessExit, or the Error a terminate threw). */
class Stopping {
  readonly exit: unknown;
  constructor(reason: unknown, thrown?: unknown) {
    this.exit = thrown instanceof Error && !(thrown instanceof ProcessExit) ? thrown : new ProcessExit(reason);
  }
}

/** A fault of the callbacks (a bad result or action), with OTP's reason, e.g. `['bad_return_from_state_function', x]`. */
function fault(tag: string, culprit: unknown): ProcessExit {
  return new ProcessExit([tag, culprit], `gen_statem: ${tag}: ${formatTerm(culprit)}`);
}

/**
 * Erlang's `Actions :: [action()] | action()`, where a tuple is never a
 * list. Here both are arrays, so: a non-array is one action; an array is a
 * list of actions, unless it is one action and not also a list of actions
 * (some element is no action), as `['reply', from, x]`: then it is that
 * action. An array that reads both ways (only `[['timeout', 'cancel'], ms,
 * action]` does) is a list; one that reads neither way is taken as a list,
 * so the machine stops naming its first element that is no action.
 */
function listOf(actions: unknown): readonly unknown[] {
  if (actions === undefined) return [];
  if (!Array.isArray(actions)) return [actions];
  return isAction(actions) && !actions.every(isAction) ? [actions] : actions;
}

/**
 * Whether `value` has the form of an action, whatever the callback it came
 * from (a state enter call may not postpone: `collect` says so): the same
 * forms `collect` takes.
 */
function isAction(value: unknown): boolean {
  if (value === 'postpone' || value === 'hibernate') return true;
  if (typeof value === 'number') return isTime(value);
  if (!Array.isArray(value)) return false;
  const [tag, a] = value;
  if (value.length === 2 && (tag === 'postpone' || tag === 'hibernate')) return typeof a === 'boolean';
  if (value.length === 3 && tag === 'reply') return isFrom(a);
  if (value.length === 3 && tag === 'next_event') return isEventType(a);
  if (!isTimeoutType(tag)) return false;
  if (value.length === 2) return a === 'cancel';
  return value.length === 3 && (a === 'update' || isTime(a));
}

function isPair(value: unknown, tag: string): value is readonly [string, unknown] {
  return Array.isArray(value) && value.length === 2 && value[0] === tag;
}

function isFrom(value: unknown): value is From {
  return Array.isArray(value) && value.length === 2 && value[0] instanceof Pid;
}

function isTimeoutType(value: unknown): value is TimeoutEventType {
  return (
    value === 'timeout' ||
    value === 'state_timeout' ||
    (Array.isArray(value) && value.length === 2 && value[0] === 'timeout')
  );
}

function isEventType(value: unknown): value is EventType {
  if (value === 'cast' || value === 'info' || value === 'internal' || isTimeoutType(value)) return true;
  return Array.isArray(value) && value.length === 2 && value[0] === 'call' && isFrom(value[1]);
}

/** A timeout's time as OTP takes it: whole milliseconds >= 0, or Infinity (its `infinity`). */
function isTime(value: unknown): value is number {
  return value === Infinity || (Number.isSafeInteger(value) && (value as number) >= 0);
}

/** One running state machine: its state, data, queues and timeouts. */
export class Machine {
  state: unknown;
  data: unknown;
  /** Events to handle before the next message: inserted ones, then retried postponed ones. */
  private queue: Event[] = [];
  /** Postponed events, oldest first. */
  private postponed: Event[] = [];
  private readonly timeouts = new Timeouts();
  private readonly counters = new Counters();
  private readonly label: string;
  private readonly stateEnter: boolean;

  constructor(
    readonly spec: AnyStatem,
    readonly parent: Pid | undefined,
  ) {
    this.label = spec.name ?? 'gen_statem';
    this.stateEnter = spec.stateEnter === true;
  }

  /** Runs `init`, acks the starter, then init's actions; throws (ending the process) if the machine must not go on. */
  async init(args: unknown, starter: Starter): Promise<void> {
    let result: unknown;
    try {
      result = await this.spec.init(args);
    } catch (error) {
      starter.ack(['error', exitReasonOf(error)]);
      throw error;
    }
    if (result === 'ignore') {
      starter.ack(['ignore']);
      throw new ProcessExit('normal');
    }
    if (Array.isArray(result)) {
      if (result[0] === 'ok' && (result.length === 3 || result.length === 4)) {
        starter.ack(['ok']);
        this.state = result[1];
        this.data = result[2];
        // gen_statem: init's actions are taken as an event's, on a stand-in
        // event, and the first state gets a state enter call from itself.
        const first: Outcome = { stop: false, state: result[1], data: result[2], enter: true, actions: result[3] };
        try {
          await this.proceed(INIT_EVENT, first, true);
        } catch (error) {
          await this.failed(error);
        }
        return;
      }
      if (result[0] === 'stop' && result.length === 2) {
        starter.ack(['error', result[1]]);
        throw new ProcessExit(result[1]);
      }
      if (result[0] === 'error' && result.length === 2) {
        // OTP 26: a silent failure; the starter gets the reason, the process ends normally.
        starter.ack(['error', result[1]]);
        throw new ProcessExit('normal');
      }
    }
    const failure = fault('bad_return_from_init', result);
    starter.ack(['error', failure.reason]);
    throw failure;
  }

  /**
   * OTP's loop: queued events first, then 0 ms timeouts, then the mailbox.
   * An event whose callbacks all return at once is carried out at once:
   * an await per event only where a callback is async, as GenServer's loop.
   */
  async loop(): Promise<never> {
    for (;;) {
      let event = this.queue.shift() ?? this.timeouts.takeZero();
      if (event === undefined) {
        const message = await receive(ANY);
        if (isSystem(message)) {
          await handleSystem(message[1], message[2], this.system);
          continue;
        }
        // gen_statem: a machine that traps exits stops with its parent's reason.
        if (this.parent !== undefined && isParentExit(message, this.parent)) await this.terminate(message[2]);
        this.counters.messagesIn++;
        event = this.eventOf(message);
      }
      try {
        const step = this.handle(event);
        if (step !== undefined) await step;
      } catch (error) {
        await this.failed(error);
      }
    }
  }

  private eventOf(message: unknown): Event {
    if (isCall(message)) return [['call', message[1]], message[2]];
    if (isCast(message)) return ['cast', message[1]];
    return this.timeouts.take(message) ?? ['info', message];
  }

  /** A callback threw (or a value was bad): terminate runs with its reason, then the process ends. */
  private async failed(error: unknown): Promise<never> {
    if (error instanceof Stopping) throw error.exit;
    try {
      await this.callTerminate(exitReasonOf(error));
    } catch (failed) {
      if (failed instanceof Stopping) throw failed.exit;
      throw failed;
    }
    throw error;
  }

  private handle(event: Event): void | Promise<void> {
    const result = this.callback(event[0], event[1], this.state, this.data);
    if (isPromise(result))
      return result.then((r) => this.proceed(event, this.interpret(r, true, this.state, this.data), true));
    return this.proceed(event, this.interpret(result, true, this.state, this.data), true);
  }

  /**
   * From a callback's outcome to the state transition, as OTP's loop: the
   * actions (replies go at once), then a state enter call while one is due
   * (each may add actions), then the transition. `stateCall` is false when
   * `outcome` is a state enter call's; `pending` carries what the event's
   * callback and earlier enter calls asked for.
   */
  private proceed(
    event: Event,
    outcome: Outcome,
    stateCall: boolean,
    pending: Pending = { postpone: false, nextEvents: [], timeouts: [] },
  ): void | Promise<void> {
    for (;;) {
      if (outcome.stop) return this.stop(outcome);
      this.collect(outcome.actions, stateCall, pending, outcome.state, outcome.data);
      if (!(outcome.enter && this.stateEnter)) break;
      const { state, data } = outcome;
      const result = this.callback('enter', this.state, state, data);
      if (isPromise(result))
        return result.then((r) => this.proceed(event, this.interpret(r, false, state, data), false, pending));
      outcome = this.interpret(result, false, state, data);
      stateCall = false;
    }
    this.transition(event, pending, outcome.state, outcome.data);
  }

  /** Calls the state callback: `handleEvent` with `this` the callbacks, or the state's function with `this` the states. */
  private callback(type: unknown, content: unknown, state: unknown, data: unknown): Awaitable<unknown> {
    if (isTraced('call')) traceCall([this.label, 'handleEvent', [type, content, state]]);
    const { spec } = this;
    if (spec.callbackMode === 'handle_event_function')
      return (spec.handleEvent as LooseCallback).call(spec, type, content, state, data);
    const states = spec.states as Record<string, unknown>;
    const fn = typeof state === 'string' && Object.hasOwn(states, state) ? states[state] : undefined;
    // Erlang: calling Module:State/3 that does not exist is an undef error.
    if (typeof fn !== 'function')
      throw new Error(`${this.label} has no function for state ${formatTerm(state)} in states`);
    return (fn as LooseCallback).call(states, type, content, data);
  }

  /**
   * Reads a callback's result. `state` and `data` are what the callback
   * got; a state enter call (`stateCall` false) may not go to another state.
   */
  private interpret(result: unknown, stateCall: boolean, state: unknown, data: unknown): Outcome {
    const go = (s: unknown, d: unknown, enter: boolean, actions: unknown): Outcome => ({
      stop: false,
      state: s,
      data: d,
      enter,
      actions,
    });
    const stop = (reason: unknown, d: unknown, replies?: unknown): Outcome => ({
      stop: true,
      reason,
      state,
      data: d,
      replies,
    });
    if (result === 'keep_state_and_data') return go(state, data, false, undefined);
    if (result === 'repeat_state_and_data') return go(state, data, true, undefined);
    if (result === 'stop') return stop('normal', data);
    if (Array.isArray(result)) {
      const n = result.length;
      switch (result[0]) {
        case 'next_state':
          if (n === 3 || n === 4) {
            const same = sameState(result[1], state);
            if (same || stateCall) return go(result[1], result[2], !same, result[3]);
            this.state = state;
            this.data = data;
            throw fault('bad_state_enter_return_from_state_function', result);
          }
          break;
        case 'keep_state':
          if (n === 2 || n === 3) return go(state, result[1], false, result[2]);
          break;
        case 'keep_state_and_data':
          if (n === 2) return go(state, data, false, result[1]);
          break;
        case 'repeat_state':
          if (n === 2 || n === 3) return go(state, result[1], true, result[2]);
          break;
        case 'repeat_state_and_data':
          if (n === 2) return go(state, data, true, result[1]);
          break;
        case 'stop':
          if (n === 2) return stop(result[1], data);
          if (n === 3) return stop(result[1], result[2]);
          break;
        case 'stop_and_reply':
          if (n === 3) return stop(result[1], data, result[2]);
          if (n === 4) return stop(result[1], result[3], result[2]);
          break;
      }
    }
    this.state = state;
    this.data = data;
    throw fault('bad_return_from_state_function', result);
  }

  /** Carries out the actions in order: replies now, the rest into `pending`. A bad one stops the machine in `state`. */
  private collect(actions: unknown, stateCall: boolean, pending: Pending, state: unknown, data: unknown): void {
    const bad = (tag: string, action: unknown): never => {
      this.state = state;
      this.data = data;
      throw fault(tag, action);
    };
    for (const action of listOf(actions)) {
      if (action === 'postpone' || (isPair(action, 'postpone') && typeof action[1] === 'boolean')) {
        const on = action === 'postpone' || action[1] === true;
        if (on && !stateCall) bad('bad_state_enter_action_from_state_function', action);
        pending.postpone = on;
      } else if (action === 'hibernate' || (isPair(action, 'hibernate') && typeof action[1] === 'boolean')) {
        // Hibernation compacts an Erlang process's heap; a JS process has none of its own.
      } else if (typeof action === 'number') {
        if (!isTime(action)) bad('bad_action_from_state_function', action);
        pending.timeouts.push(['timeout', action, action]);
      } else if (!Array.isArray(action)) {
        bad('bad_action_from_state_function', action);
      } else if (action[0] === 'reply' && action.length === 3) {
        if (!isFrom(action[1])) bad('bad_action_from_state_function', action);
        this.counters.messagesOut++;
        reply(action[1] as From, action[2]);
      } else if (action[0] === 'next_event' && action.length === 3) {
        if (!stateCall) bad('bad_state_enter_action_from_state_function', action);
        if (!isEventType(action[1])) bad('bad_action_from_state_function', action);
        pending.nextEvents.push([action[1] as EventType, action[2]]);
      } else if (isTimeoutType(action[0])) {
        const [kind, time, content] = action as [TimeoutEventType, unknown, unknown];
        if (action.length === 2 && time === 'cancel') pending.timeouts.push([kind, 'cancel', undefined]);
        else if (action.length === 3 && (time === 'update' || isTime(time)))
          pending.timeouts.push([kind, time, content]);
        else bad('bad_action_from_state_function', action);
      } else {
        bad('bad_action_from_state_function', action);
      }
    }
  }

  /**
   * The state transition, as OTP's: postpone the event if asked; on a state
   * change, put the postponed events back in front of the queue (oldest
   * first) and cancel the state timeout; cancel the event timeout in any
   * case (an event came); start the timeouts asked for (the last of each
   * kind wins); put the inserted events in front of everything.
   */
  private transition(event: Event, pending: Pending, state: unknown, data: unknown): void {
    // OTP forces {postpone, false} on init's stand-in event.
    if (pending.postpone && event !== INIT_EVENT) this.postponed.push(event);
    if (!sameState(state, this.state)) {
      if (this.postponed.length > 0) {
        this.queue.unshift(...this.postponed);
        this.postponed = [];
      }
      this.timeouts.cancel('state_timeout');
    }
    this.timeouts.cancel('timeout');
    this.state = state;
    this.data = data;
    if (pending.timeouts.length > 0) this.startTimeouts(pending.timeouts);
    if (pending.nextEvents.length > 0) this.queue.unshift(...pending.nextEvents);
  }

  /** Starts, cancels or updates timeouts; only the last action of each kind counts, as in OTP. */
  private startTimeouts(actions: Pending['timeouts']): void {
    const last = new Map<string, Pending['timeouts'][number]>();
    for (const timeout of actions) {
      const key = timeoutKey(timeout[0]);
      // Moved to the end: 0 ms timeouts fire in the order of their last action.
      last.delete(key);
      last.set(key, timeout);
    }
    for (const [key, [kind, time, content]] of last) {
      if (time === 'cancel') this.timeouts.cancel(key);
      else if (time === 'update') this.timeouts.update(kind, content);
      else this.timeouts.start(kind, time, content);
    }
  }

  /** A stop result: replies first (stop_and_reply), then terminate, then the exit, as gen_statem. */
  private async stop(outcome: Extract<Outcome, { stop: true }>): Promise<never> {
    this.state = outcome.state;
    this.data = outcome.data;
    const replies = outcome.replies;
    // One reply action, or a list of them: a list's first element is never the string 'reply'.
    const list =
      replies === undefined ? [] : Array.isArray(replies) && replies[0] === 'reply' ? [replies] : listOf(replies);
    for (const action of list) {
      if (!Array.isArray(action) || action.length !== 3 || action[0] !== 'reply' || !isFrom(action[1]))
        throw fault('bad_reply_action_from_state_function', action);
      this.counters.messagesOut++;
      reply(action[1], action[2]);
    }
    await this.callTerminate(outcome.reason);
    throw new Stopping(outcome.reason);
  }

  /** Runs terminate; if it throws, its reason replaces `reason`, as in OTP. */
  private async callTerminate(reason: unknown): Promise<void> {
    const { terminate } = this.spec;
    if (terminate === undefined) return;
    try {
      await terminate.call(this.spec, reason, this.state, this.data);
    } catch (error) {
      throw new Stopping(exitReasonOf(error), error);
    }
  }

  /** terminate, then exit with `reason`: for stop requests and a parent's exit. */
  async terminate(reason: unknown): Promise<never> {
    try {
      await this.callTerminate(reason);
    } catch (error) {
      if (error instanceof Stopping) throw error.exit;
      throw error;
    }
    throw new ProcessExit(reason);
  }

  readonly system = {
    getState: (): unknown => [this.state, this.data],
    replaceState: (fn: (state: unknown) => unknown): unknown => {
      const replaced = fn([this.state, this.data]);
      if (!Array.isArray(replaced) || replaced.length !== 2)
        throw new BadArgError(
          'replaceState',
          'fn',
          `a GenStatem's state is [state, data]; fn returned ${show(replaced)}`,
        );
      [this.state, this.data] = replaced;
      return replaced;
    },
    statistics: (): Statistics => this.counters.statistics(),
    terminate: (reason: unknown): Promise<never> => this.terminate(reason),
  };
}

function isCast(message: unknown): message is readonly ['$gen_cast', unknown] {
  return Array.isArray(message) && message.length === 2 && message[0] === '$gen_cast';
}

function isParentExit(message: unknown, parent: Pid): message is readonly ['EXIT', Pid, unknown] {
  return Array.isArray(message) && message.length === 3 && message[0] === 'EXIT' && message[1] === parent;
}
