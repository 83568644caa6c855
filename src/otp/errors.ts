import { ErlangList, ProcessExit } from '../runtime/index.js';

/**
 * The errors of the behaviours. Both are `ProcessExit`s carrying the exit
 * reason Erlang's would: uncaught, the process that made the call exits
 * with that reason, exactly as an Erlang process whose `gen_server:call`
 * failed; caught, it is an ordinary error with the reason on it.
 */

/**
 * A `call` that got no reply: `why` is the short reason, Erlang's first
 * element (`'noproc'`, `'timeout'`, `'calling_self'`, `'normal'`, or the
 * reason the server crashed with), and `reason` the whole exit reason,
 * `[why, [module, 'call', ErlangList [server, request, timeoutMs]]]`, as
 * `{Reason, {gen_server, call, [Server, Request, Timeout]}}` in Erlang.
 *
 * ```ts
 * try {
 *   await GenServer.call('nobody', ['get']);
 * } catch (e) {
 *   if (e instanceof CallError && e.why === 'noproc') console.log('not running');
 *   else throw e; // uncaught: the caller exits, as in Erlang
 * }
 * ```
 */
export class CallError extends ProcessExit {
  /** `'CallError'`, for stack traces and logs. */
  override readonly name = 'CallError';
  constructor(
    /** Why there was no reply: `'noproc'`, `'timeout'`, `'calling_self'`, or the server's exit reason. */
    readonly why: unknown,
    /** Which behaviour's call: `'gen_server'`, `'gen_statem'`, `'sys'`, `'supervisor'`. */
    readonly module: string,
    /** The server called: the pid or name given to `call`. */
    readonly server: unknown,
    /** The request that got no reply (`['stop', reason]` for a failed `stop`). */
    readonly request: unknown,
    /** The call's timeout, in ms (Infinity when there was none). */
    readonly timeoutMs: number,
  ) {
    super(
      [why, [module, 'call', new ErlangList([server, request, timeoutMs])]],
      `${module} call to ${String(server)} failed: ${describeWhy(why)}`,
    );
  }
}

/**
 * A `start` that did not start: `reason` is Erlang's `Reason` in
 * `{error, Reason}`: what `init` stopped with, `['already_started', pid]`
 * for a name that is taken, `'timeout'`, or the crash reason of an `init`
 * that threw. `'ignore'` when `init` returned `'ignore'` (a supervisor
 * takes that as "nothing to start").
 *
 * ```ts
 * try {
 *   await GenServer.start(counter, 0, { name: 'counter' });
 * } catch (e) {
 *   if (e instanceof StartError && Array.isArray(e.reason) && e.reason[0] === 'already_started') {
 *     // Erlang: {error, {already_started, Pid}}
 *   }
 * }
 * ```
 */
export class StartError extends ProcessExit {
  /** `'StartError'`, for stack traces and logs. */
  override readonly name = 'StartError';
  constructor(reason: unknown) {
    super(reason, `start failed: ${describeWhy(reason)}`);
  }
}

function describeWhy(why: unknown): string {
  if (typeof why === 'string') return why;
  if (Array.isArray(why) && why[0] === 'error' && why[1] instanceof Error) return `error: ${why[1].message}`;
  if (why instanceof Error) return why.message;
  try {
    return JSON.stringify(why) ?? String(why);
  } catch {
    return String(why);
  }
}
