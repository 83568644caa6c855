import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { From } from '../../src/otp/call.js';
import { CallError, StartError } from '../../src/otp/errors.js';
import { GenStatem } from '../../src/otp/gen-statem.js';
import type { StateCallbackResult, StatemActions } from '../../src/otp/gen-statem-types.js';
import { getState, replaceState, statistics } from '../../src/otp/sys.js';
import {
  _,
  BadArgError,
  ErlangList,
  exit,
  flush,
  isAlive,
  monitor,
  type Pid,
  processFlag,
  receive,
  run,
  self,
  send,
  setLogger,
  sleep,
  spawn,
  trace,
  whereis,
} from '../../src/runtime/index.js';

/**
 * Most machines here are probes: a handle_event_function machine whose data
 * is the test process, to which it reports each event it handles as
 * `['seen', type, content, state]` before deciding what to do with it. The
 * tests read those reports to see what the machine saw, and in what order.
 */

type Handler<S> = (
  type: unknown,
  content: unknown,
  state: S,
  tester: Pid,
) => StateCallbackResult<S, Pid> | Promise<StateCallbackResult<S, Pid>>;
type AnyCalls = readonly [unknown, unknown];

function probe<S>(
  first: S,
  handle: Handler<S>,
  opts: { stateEnter?: boolean; initActions?: StatemActions; terminate?: boolean } = {},
): GenStatem<S, Pid, AnyCalls, unknown, unknown, Pid> {
  return {
    name: 'probe',
    callbackMode: 'handle_event_function',
    stateEnter: opts.stateEnter ?? false,
    init: (tester) =>
      opts.initActions === undefined ? ['ok', first, tester] : ['ok', first, tester, opts.initActions],
    handleEvent(type, content, state, tester) {
      send(tester, ['seen', type, content, state]);
      return handle(type, content, state, tester);
    },
    terminate(reason, state, tester) {
      if (opts.terminate) send(tester, ['terminate', reason, state]);
    },
  };
}

/** Takes the next `n` reports, as `[type, content, state]` (a call's type shown as `'call'`), waiting at most `ms` for each. */
async function seen(n: number, ms = 1000): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for (let i = 0; i < n; i++) {
    const [, type, content, state] = await receive([['seen', _, _, _]], ms);
    out.push([Array.isArray(type) && type[0] === 'call' ? 'call' : type, content, state]);
  }
  return out;
}

/** Waits `ms` for a report, expecting none: `undefined` when nothing came. */
function nothingSeen(ms: number): Promise<unknown> {
  return receive([['seen', _, _, _]], ms, undefined);
}

/** Runs `fn` with crash reports silenced (tests that crash machines on purpose). */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const previous = setLogger({ crash() {} });
  try {
    return await fn();
  } finally {
    setLogger(previous);
  }
}

/** The reason of the DOWN for `ref`, waiting at most `ms`. */
async function down(ref: ReturnType<typeof monitor>, ms = 1000): Promise<unknown> {
  const [, , , , reason] = await receive([['DOWN', ref, _, _, _]], ms);
  return reason;
}

describe('GenStatem', () => {
  it('state_functions: casts go to the current state callback; call replies; getState is [state, data]', async () => {
    await run(async () => {
      type Calls = readonly [['count'], number];
      const toggle: GenStatem<'off' | 'on', number, Calls, 'flip'> = {
        callbackMode: 'state_functions',
        init: () => ['ok', 'off', 0],
        states: {
          off(type, _content, n) {
            if (type === 'cast') return ['next_state', 'on', n + 1];
            if (typeof type === 'object' && type[0] === 'call') return ['keep_state_and_data', [['reply', type[1], n]]];
            return 'keep_state_and_data';
          },
          on(type, _content, n) {
            if (type === 'cast') return ['next_state', 'off', n + 1];
            if (typeof type === 'object' && type[0] === 'call') return ['keep_state_and_data', [['reply', type[1], n]]];
            return 'keep_state_and_data';
          },
        },
      };
      const pid = await GenStatem.start(toggle, undefined, { name: 'gs_toggle' });
      assert.equal(whereis('gs_toggle'), pid);
      GenStatem.cast(pid, 'flip');
      const count: number = await GenStatem.call(pid, ['count']);
      assert.equal(count, 1);
      assert.deepEqual(await getState('gs_toggle'), ['on', 1]);
      GenStatem.cast('gs_toggle', 'flip');
      assert.deepEqual(await getState(pid), ['off', 2]);
      await GenStatem.stop('gs_toggle');
      assert.equal(isAlive(pid), false);
      assert.equal(whereis('gs_toggle'), undefined);
    });
  });

  it('gen_statem manual: "If the state changes, the queue of incoming events is reset to start with the oldest postponed"', async () => {
    await run(async () => {
      // In 'waiting' every cast is postponed, 'go' too, which also changes
      // the state: so it is retried at once, after the older postponed ones,
      // and before 'three', which came later.
      const pid = await GenStatem.start(
        probe('waiting', (type, content, state, tester) => {
          if (state === 'waiting' && content === 'go') return ['next_state', 'ready', tester, ['postpone']];
          if (state === 'waiting' && type === 'cast') return ['keep_state_and_data', ['postpone']];
          return 'keep_state_and_data';
        }),
        self(),
      );
      for (const c of ['one', 'two', 'go', 'three']) GenStatem.cast(pid, c);
      assert.deepEqual(await seen(7), [
        ['cast', 'one', 'waiting'],
        ['cast', 'two', 'waiting'],
        ['cast', 'go', 'waiting'],
        ['cast', 'one', 'ready'],
        ['cast', 'two', 'ready'],
        ['cast', 'go', 'ready'],
        ['cast', 'three', 'ready'],
      ]);
      assert.equal(await nothingSeen(20), undefined, 'each postponed event is handled once in the new state');
      await GenStatem.stop(pid);
    });
  });

  it('gen_statem manual: a postponed event is retried "when the state changes (NextState =/= State)": not on keep_state, next_state to an equal state, nor repeat_state', async () => {
    await run(async () => {
      const pid = await GenStatem.start(
        probe<readonly [string, number]>(['counting', 0], (_type, content, _state, tester) => {
          if (content === 'later') return ['keep_state_and_data', 'postpone'];
          if (content === 'keep') return ['keep_state', tester];
          // An equal array is the same state (Erlang's =:=), so no retry.
          if (content === 'same') return ['next_state', ['counting', 0], tester];
          if (content === 'repeat') return 'repeat_state_and_data';
          if (content === 'change') return ['next_state', ['counting', 1], tester];
          return 'keep_state_and_data';
        }),
        self(),
      );
      for (const c of ['later', 'keep', 'same', 'repeat']) GenStatem.cast(pid, c);
      assert.deepEqual(
        (await seen(4)).map((e) => e[1]),
        ['later', 'keep', 'same', 'repeat'],
      );
      assert.equal(await nothingSeen(20), undefined, 'still postponed');
      GenStatem.cast(pid, 'change');
      assert.deepEqual(await seen(2), [
        ['cast', 'change', ['counting', 0]],
        ['cast', 'later', ['counting', 1]],
      ]);
      await GenStatem.stop(pid);
    });
  });

  it('gen_statem manual: next_event "inserted in the queue as the next to process before any already queued events", the first in the list first', async () => {
    await run(async () => {
      const pid = await GenStatem.start(
        probe('idle', (_type, content, _state, tester) => {
          if (content === 'hold') return ['keep_state_and_data', 'postpone'];
          if (content === 'go')
            return [
              'next_state',
              'busy',
              tester,
              [
                ['next_event', 'internal', 'first'],
                ['next_event', 'internal', 'second'],
              ],
            ];
          return 'keep_state_and_data';
        }),
        self(),
      );
      // 'hold' is postponed; 'go' changes state (so 'hold' is retried) and
      // inserts two events; 'after' is already in the mailbox.
      for (const c of ['hold', 'go', 'after']) GenStatem.cast(pid, c);
      assert.deepEqual(await seen(6), [
        ['cast', 'hold', 'idle'],
        ['cast', 'go', 'idle'],
        ['internal', 'first', 'busy'],
        ['internal', 'second', 'busy'],
        ['cast', 'hold', 'busy'],
        ['cast', 'after', 'busy'],
      ]);
      await GenStatem.stop(pid);
    });
  });

  it('init: its actions run as an event’s (inserted events before any message); postpone is ignored there', async () => {
    await run(async () => {
      const pid = await GenStatem.start(
        probe('s', () => 'keep_state_and_data', {
          initActions: ['postpone', ['next_event', 'internal', 'boot'], ['state_timeout', 20, 'warm']],
        }),
        self(),
      );
      GenStatem.cast(pid, 'hello');
      assert.deepEqual(await seen(3), [
        ['internal', 'boot', 's'],
        ['cast', 'hello', 's'],
        ['state_timeout', 'warm', 's'],
      ]);
      await GenStatem.stop(pid);
    });
  });

  it('gen_statem manual: "A state change cancels a state_timeout()"; events in the same state do not', async () => {
    await run(async () => {
      const pid = await GenStatem.start(
        probe('open', (type, content, _state, tester) => {
          if (content === 'arm') return ['keep_state_and_data', [['state_timeout', 40, 'relock']]];
          if (content === 'leave') return ['next_state', 'closed', tester];
          if (type === 'state_timeout') return ['next_state', 'locked', tester];
          return 'keep_state_and_data';
        }),
        self(),
      );
      const armed = Date.now();
      GenStatem.cast(pid, 'arm');
      GenStatem.cast(pid, 'poke');
      assert.deepEqual(await seen(3), [
        ['cast', 'arm', 'open'],
        ['cast', 'poke', 'open'],
        ['state_timeout', 'relock', 'open'],
      ]);
      assert.ok(Date.now() - armed >= 38, 'it fired after its time');
      assert.deepEqual(await getState(pid), ['locked', self()]);

      // Armed, then a state change before it fires: it never comes.
      GenStatem.cast(pid, 'arm');
      GenStatem.cast(pid, 'leave');
      assert.deepEqual(
        (await seen(2)).map((e) => e[1]),
        ['arm', 'leave'],
      );
      assert.equal(await nothingSeen(80), undefined, 'no state_timeout, and no stray timer message as info');
      await GenStatem.stop(pid);
    });
  });

  it('gen_statem manual: "Any event cancels an event_timeout()"; alone it fires', async () => {
    await run(async () => {
      const pid = await GenStatem.start(
        probe('s', (_type, content) => {
          if (content === 'arm') return ['keep_state_and_data', [['timeout', 30, 'idle']]];
          if (content === 'arm-number') return ['keep_state_and_data', 25];
          return 'keep_state_and_data';
        }),
        self(),
      );
      GenStatem.cast(pid, 'arm');
      assert.deepEqual(await seen(2), [
        ['cast', 'arm', 's'],
        ['timeout', 'idle', 's'],
      ]);
      // Erlang's bare Time action: {timeout, Time, Time}.
      GenStatem.cast(pid, 'arm-number');
      assert.deepEqual(await seen(2), [
        ['cast', 'arm-number', 's'],
        ['timeout', 25, 's'],
      ]);
      GenStatem.cast(pid, 'arm');
      await sleep(5);
      send(pid, 'any message');
      assert.deepEqual(await seen(2), [
        ['cast', 'arm', 's'],
        ['info', 'any message', 's'],
      ]);
      assert.equal(await nothingSeen(70), undefined, 'the event timeout was cancelled');
      await GenStatem.stop(pid);
    });
  });

  it('a timer that fired while the machine was busy, then was cancelled, is never handled: its queued message is taken out', async () => {
    await run(async () => {
      const machine: GenStatem<'s', Pid, AnyCalls, string, unknown, Pid> = {
        callbackMode: 'handle_event_function',
        init: (tester) => ['ok', 's', tester],
        async handleEvent(type, content, _state, tester) {
          send(tester, ['seen', type, content, 's']);
          if (content === 'arm') return ['keep_state_and_data', [['timeout', 5, 'event']]];
          if (content === 'arm-both')
            return [
              'keep_state_and_data',
              [
                ['state_timeout', 5, 'state'],
                [['timeout', 'g'], 5, 'generic'],
              ],
            ];
          if (content === 'slow') {
            // Busy past the timers' time: their messages are in the mailbox now.
            await sleep(40);
            return [
              'keep_state_and_data',
              [
                ['state_timeout', 'cancel'],
                [['timeout', 'g'], 'cancel'],
              ],
            ];
          }
          return 'keep_state_and_data';
        },
      };
      const pid = await GenStatem.start(machine, self());
      GenStatem.cast(pid, 'arm');
      GenStatem.cast(pid, 'slow');
      assert.deepEqual(
        (await seen(2)).map((e) => e[1]),
        ['arm', 'slow'],
      );
      GenStatem.cast(pid, 'arm-both');
      GenStatem.cast(pid, 'slow');
      assert.deepEqual(
        (await seen(2)).map((e) => e[1]),
        ['arm-both', 'slow'],
      );
      assert.equal(await nothingSeen(50), undefined, 'no timeout event, and no stray [timeout, ref, key] as info');
      await GenStatem.stop(pid);
    });
  });

  it('generic timeouts: named, several at once, not cancelled by events nor state changes; the last action for a name wins; cancel and update', async () => {
    await run(async () => {
      const pid = await GenStatem.start(
        probe('a', (_type, content, _state, tester) => {
          if (content === 'arm')
            return [
              'keep_state_and_data',
              [
                [['timeout', 'slow'], 60, 'S'],
                [['timeout', 'fast'], 20, 'F'],
                [['timeout', ['by', 'term']], 40, 'T'],
              ],
            ];
          if (content === 'move') return ['next_state', 'b', tester];
          if (content === 'rearm')
            return [
              'keep_state_and_data',
              [
                [['timeout', 'x'], 20, 'first'],
                [['timeout', 'x'], 30, 'second'],
              ],
            ];
          if (content === 'arm-cancel')
            return [
              'keep_state_and_data',
              [
                [['timeout', 'y'], 20, 'Y'],
                [['timeout', 'y'], 'cancel'],
              ],
            ];
          if (content === 'update') return ['keep_state_and_data', [[['timeout', 'x'], 'update', 'updated']]];
          return 'keep_state_and_data';
        }),
        self(),
      );
      GenStatem.cast(pid, 'arm');
      GenStatem.cast(pid, 'move');
      GenStatem.cast(pid, 'poke');
      assert.deepEqual(await seen(6), [
        ['cast', 'arm', 'a'],
        ['cast', 'move', 'a'],
        ['cast', 'poke', 'b'],
        [['timeout', 'fast'], 'F', 'b'],
        [['timeout', ['by', 'term']], 'T', 'b'],
        [['timeout', 'slow'], 'S', 'b'],
      ]);
      GenStatem.cast(pid, 'rearm');
      GenStatem.cast(pid, 'arm-cancel');
      GenStatem.cast(pid, 'update');
      assert.deepEqual(await seen(4), [
        ['cast', 'rearm', 'b'],
        ['cast', 'arm-cancel', 'b'],
        ['cast', 'update', 'b'],
        [['timeout', 'x'], 'updated', 'b'],
      ]);
      assert.equal(await nothingSeen(50), undefined, "'first' was replaced, 'y' cancelled");
      await GenStatem.stop(pid);
    });
  });

  it('gen_statem manual: zero time-outs come "before any external not yet received event", after queued ones; a queued event cancels a zero event timeout', async () => {
    await run(async () => {
      const pid = await GenStatem.start(
        probe('s', (_type, content) => {
          if (content === 'go')
            return [
              'keep_state_and_data',
              [
                ['timeout', 0, 'event-zero'],
                ['state_timeout', 0, 'state-zero'],
                [['timeout', 'g'], 0, 'generic-zero'],
                ['next_event', 'internal', 'inserted'],
              ],
            ];
          if (content === 'alone') return ['keep_state_and_data', [['timeout', 0, 'event-zero']]];
          return 'keep_state_and_data';
        }),
        self(),
      );
      GenStatem.cast(pid, 'go');
      GenStatem.cast(pid, 'mail');
      // The inserted event comes first and, being an event, cancels the zero
      // event timeout ("a zero time event time-out is only generated if the
      // event queue is empty"; erl 25 agrees); the other two follow in the
      // order of their actions, before the cast already in the mailbox.
      assert.deepEqual(await seen(5), [
        ['cast', 'go', 's'],
        ['internal', 'inserted', 's'],
        ['state_timeout', 'state-zero', 's'],
        [['timeout', 'g'], 'generic-zero', 's'],
        ['cast', 'mail', 's'],
      ]);
      GenStatem.cast(pid, 'alone');
      GenStatem.cast(pid, 'mail');
      assert.deepEqual(await seen(3), [
        ['cast', 'alone', 's'],
        ['timeout', 'event-zero', 's'],
        ['cast', 'mail', 's'],
      ]);
      assert.equal(await nothingSeen(20), undefined);
      await GenStatem.stop(pid);
    });
  });

  it('gen_statem manual: state enter calls: (enter, OldState) after init and each state change; on repeat_state "the state enter call is repeated"', async () => {
    await run(async () => {
      const pid = await GenStatem.start(
        probe(
          'a',
          (type, content, state, tester) => {
            if (type === 'enter') return 'keep_state_and_data';
            if (content === 'to-b') return ['next_state', 'b', tester];
            if (content === 'same') return ['next_state', state, tester];
            if (content === 'repeat') return ['repeat_state', tester];
            return 'keep_state_and_data';
          },
          { stateEnter: true },
        ),
        self(),
      );
      assert.deepEqual(await seen(1), [['enter', 'a', 'a']], 'init: the first state is entered from itself');
      for (const c of ['to-b', 'same', 'keep', 'repeat']) GenStatem.cast(pid, c);
      assert.deepEqual(await seen(6), [
        ['cast', 'to-b', 'a'],
        ['enter', 'a', 'b'],
        ['cast', 'same', 'b'],
        ['cast', 'keep', 'b'],
        ['cast', 'repeat', 'b'],
        ['enter', 'b', 'b'],
      ]);
      assert.equal(await nothingSeen(20), undefined);
      await GenStatem.stop(pid);
    });
  });

  it('a state enter call: its actions join the event’s; it starts the new state’s state timeout; repeat_state from it runs it again', async () => {
    await run(async () => {
      let lockedEnters = 0;
      const pid = await GenStatem.start(
        probe(
          'locked',
          (type, content, state, tester) => {
            if (type === 'enter' && state === 'open') return ['keep_state_and_data', [['state_timeout', 20, 'lock']]];
            if (type === 'enter') {
              lockedEnters++;
              return lockedEnters === 2 ? ['repeat_state', tester] : 'keep_state_and_data';
            }
            if (content === 'open') return ['next_state', 'open', tester, [['next_event', 'internal', 'opened']]];
            if (type === 'state_timeout') return ['next_state', 'locked', tester];
            return 'keep_state_and_data';
          },
          { stateEnter: true },
        ),
        self(),
      );
      GenStatem.cast(pid, 'open');
      assert.deepEqual(await seen(7), [
        ['enter', 'locked', 'locked'],
        ['cast', 'open', 'locked'],
        ['enter', 'locked', 'open'],
        ['internal', 'opened', 'open'],
        ['state_timeout', 'lock', 'open'],
        ['enter', 'open', 'locked'],
        ['enter', 'open', 'locked'],
      ]);
      assert.equal(await nothingSeen(20), undefined);
      await GenStatem.stop(pid);
    });
  });

  it('async state callbacks and async state enter calls give the same events, in the same order, as sync ones', async () => {
    await run(async () => {
      const decide: Handler<string> = (type, content, state, tester) => {
        if (type === 'enter')
          return state === 'a' ? ['keep_state_and_data', [['state_timeout', 5, 'st']]] : 'keep_state_and_data';
        if (content === 'hold') return ['keep_state_and_data', 'postpone'];
        if (content === 'go') return ['next_state', 'b', tester, [['next_event', 'internal', 'inserted']]];
        if (content === 'back') return ['next_state', 'a', tester];
        return 'keep_state_and_data';
      };
      const scenario = async (handler: Handler<string>): Promise<unknown[][]> => {
        const pid = await GenStatem.start(probe('a', handler, { stateEnter: true }), self());
        for (const c of ['hold', 'go', 'back']) GenStatem.cast(pid, c);
        const events = await seen(10);
        assert.equal(await nothingSeen(20), undefined);
        await GenStatem.stop(pid);
        return events;
      };
      const expected = [
        ['enter', 'a', 'a'],
        ['cast', 'hold', 'a'],
        ['cast', 'go', 'a'],
        ['enter', 'a', 'b'],
        ['internal', 'inserted', 'b'],
        ['cast', 'hold', 'b'],
        ['cast', 'back', 'b'],
        ['enter', 'b', 'a'],
        ['cast', 'hold', 'a'],
        ['state_timeout', 'st', 'a'],
      ];
      assert.deepEqual(await scenario(decide), expected);
      const slowly: Handler<string> = async (...args) => {
        await sleep(1);
        return decide(...args);
      };
      assert.deepEqual(await scenario(slowly), expected);
    });
  });

  it('gen_statem manual: in a state enter call the state "can not be changed", nor an event postponed or inserted: each stops the machine with OTP’s reason', async () => {
    await run(async () => {
      const cases: [Handler<string>, unknown][] = [
        [
          (type, _c, _s, tester) => (type === 'enter' ? ['next_state', 'elsewhere', tester] : 'keep_state_and_data'),
          ['bad_state_enter_return_from_state_function', ['next_state', 'elsewhere', self()]],
        ],
        [
          (type) => (type === 'enter' ? ['keep_state_and_data', 'postpone'] : 'keep_state_and_data'),
          ['bad_state_enter_action_from_state_function', 'postpone'],
        ],
        [
          (type) =>
            type === 'enter' ? ['keep_state_and_data', [['next_event', 'internal', 'x']]] : 'keep_state_and_data',
          ['bad_state_enter_action_from_state_function', ['next_event', 'internal', 'x']],
        ],
      ];
      for (const [sync, reason] of cases) {
        const async: Handler<string> = async (...args) => {
          await sleep(1);
          return sync(...args);
        };
        for (const handler of [sync, async]) {
          const pid = await GenStatem.start(probe('s', handler, { stateEnter: true, terminate: true }), self());
          const ref = monitor('process', pid);
          // The enter call into the first state runs after start has returned.
          assert.deepEqual(await receive([['terminate', _, _]], 1000), ['terminate', reason, 's']);
          assert.deepEqual(await down(ref), reason);
          flush();
        }
      }
    });
  });

  it('call: a reply action now, or GenStatem.reply later from another state; calls are postponed meanwhile; stop_and_reply replies, then terminates', async () => {
    await run(async () => {
      type Calls = readonly [['now'], string] | readonly [['later'], string] | readonly [['bye'], string];
      type Data = { readonly tester: Pid; readonly waiting?: From };
      const machine: GenStatem<'idle' | 'waiting', Data, Calls, 'release', unknown, Pid> = {
        callbackMode: 'state_functions',
        init: (tester) => ['ok', 'idle', { tester }],
        states: {
          idle(type, content, data) {
            if (typeof type === 'object' && type[0] === 'call') {
              const request = content as Calls[0];
              if (request[0] === 'now') return ['keep_state_and_data', [['reply', type[1], 'right away']]];
              if (request[0] === 'later') return ['next_state', 'waiting', { ...data, waiting: type[1] }];
              return ['stop_and_reply', 'normal', [['reply', type[1], 'goodbye']]];
            }
            return 'keep_state_and_data';
          },
          waiting(type, _content, data) {
            if (type === 'cast' && data.waiting !== undefined) {
              GenStatem.reply(data.waiting, 'when released');
              return ['next_state', 'idle', { tester: data.tester }];
            }
            return ['keep_state_and_data', 'postpone'];
          },
        },
        terminate: (reason, state, data) => send(data.tester, ['terminate', reason, state]),
      };
      const tester = self();
      const pid = await GenStatem.start(machine, tester);
      assert.equal(await GenStatem.call(pid, ['now']), 'right away');
      // One process waits for one call at a time: the two calls that must
      // wait come from two more processes, in this order.
      spawn(async () => send(tester, ['first', await GenStatem.call(pid, ['later'])]));
      await sleep(5);
      spawn(async () => send(tester, ['second', await GenStatem.call(pid, ['now'])]));
      await sleep(10);
      assert.deepEqual(flush(), [], 'both calls wait: the second is postponed');
      GenStatem.cast(pid, 'release');
      assert.deepEqual(await receive([['first', _]], 1000), ['first', 'when released']);
      assert.deepEqual(await receive([['second', _]], 1000), ['second', 'right away']);
      const ref = monitor('process', pid);
      assert.equal(await GenStatem.call(pid, ['bye']), 'goodbye');
      assert.deepEqual(await receive([['terminate', _, _]], 1000), ['terminate', 'normal', 'idle']);
      assert.equal(await down(ref), 'normal');
    });
  });

  it('gen_statem manual: call fails for a dead machine (noproc), a name nothing holds, and on timeout; the default timeout is infinity', async () => {
    await run(async () => {
      await assert.rejects(GenStatem.call('gs_nobody', ['x']), (e: unknown) => {
        assert.ok(e instanceof CallError);
        assert.equal(e.why, 'noproc');
        assert.deepEqual(e.reason, ['noproc', ['gen_statem', 'call', new ErlangList(['gs_nobody', ['x'], Infinity])]]);
        return true;
      });
      const silent = probe('s', () => 'keep_state_and_data');
      const pid = await GenStatem.start(silent, self());
      await assert.rejects(
        GenStatem.call(pid, ['x'], 20),
        (e: unknown) => e instanceof CallError && e.why === 'timeout',
      );
      await GenStatem.stop(pid);
      await assert.rejects(GenStatem.call(pid, ['x']), (e: unknown) => e instanceof CallError && e.why === 'noproc');
      await assert.rejects(GenStatem.stop(pid), (e: unknown) => e instanceof CallError && e.why === 'noproc');
      flush();
    });
  });

  it('terminate(reason, state, data) runs on stop(), on a stop result (with its new data), and on a crash; not on kill', async () => {
    await run(async () => {
      const tester = self();
      type Data = { readonly tester: Pid; readonly n: number };
      const machine: GenStatem<'s', Data, AnyCalls, string, unknown, Pid> = {
        callbackMode: 'handle_event_function',
        init: (t) => ['ok', 's', { tester: t, n: 0 }],
        handleEvent(_type, content, _state, data) {
          if (content === 'stop') return ['stop', 'done', { ...data, n: 7 }];
          if (content === 'plain-stop') return 'stop';
          if (content === 'crash') throw new Error('state callback failed');
          return 'keep_state_and_data';
        },
        terminate: (reason, state, data) => send(data.tester, ['terminate', reason, state, data.n]),
      };
      let pid = await GenStatem.start(machine, tester);
      await GenStatem.stop(pid, 'shutdown');
      assert.deepEqual(await receive([['terminate', _, _, _]], 1000), ['terminate', 'shutdown', 's', 0]);

      pid = await GenStatem.start(machine, tester);
      let ref = monitor('process', pid);
      GenStatem.cast(pid, 'stop');
      assert.deepEqual(await receive([['terminate', _, _, _]], 1000), ['terminate', 'done', 's', 7]);
      assert.equal(await down(ref), 'done');

      pid = await GenStatem.start(machine, tester);
      ref = monitor('process', pid);
      GenStatem.cast(pid, 'plain-stop');
      assert.deepEqual(await receive([['terminate', _, _, _]], 1000), ['terminate', 'normal', 's', 0]);
      assert.equal(await down(ref), 'normal');

      pid = await GenStatem.start(machine, tester);
      ref = monitor('process', pid);
      const crashed = await quietly(async () => {
        GenStatem.cast(pid, 'crash');
        return receive([['terminate', _, _, _]], 1000);
      });
      const why = crashed[1] as [string, Error];
      assert.equal(why[0], 'error');
      assert.equal(why[1].message, 'state callback failed');
      assert.deepEqual(((await down(ref)) as [string, Error])[0], 'error');

      pid = await GenStatem.start(machine, tester);
      ref = monitor('process', pid);
      exit(pid, 'kill');
      assert.equal(await down(ref), 'killed');
      assert.equal(await receive([['terminate', _, _, _]], 30, 'none'), 'none');
    });
  });

  it('OTP’s reasons for bad callback values: bad_return_from_state_function, bad_action_from_state_function, bad_return_from_init', async () => {
    await run(async () => {
      const bad = (result: unknown): GenStatem<'s', Pid, AnyCalls, unknown, unknown, Pid> =>
        probe('s', () => result as StateCallbackResult<'s', Pid>, { terminate: true });
      const cases: [unknown, unknown][] = [
        [
          ['ok', 's'],
          ['bad_return_from_state_function', ['ok', 's']],
        ],
        [['keep_state'], ['bad_return_from_state_function', ['keep_state']]],
        [undefined, ['bad_return_from_state_function', undefined]],
        [
          ['keep_state_and_data', ['jump']],
          ['bad_action_from_state_function', 'jump'],
        ],
        [
          ['keep_state_and_data', [['state_timeout', -1, 'x']]],
          ['bad_action_from_state_function', ['state_timeout', -1, 'x']],
        ],
        [
          ['keep_state_and_data', [['reply', 'nobody', 1]]],
          ['bad_action_from_state_function', ['reply', 'nobody', 1]],
        ],
        [
          ['stop_and_reply', 'normal', ['not a reply']],
          ['bad_reply_action_from_state_function', 'not a reply'],
        ],
      ];
      for (const [result, reason] of cases) {
        const pid = await GenStatem.start(bad(result), self());
        await assert.rejects(GenStatem.call(pid, 'anything', 1000), (e: unknown) => {
          assert.ok(e instanceof CallError);
          assert.deepEqual(e.why, reason);
          return true;
        });
        assert.deepEqual(await receive([['terminate', _, _]], 1000), ['terminate', reason, 's']);
        flush();
      }
      const badInit: GenStatem<'s', null> = {
        callbackMode: 'handle_event_function',
        init: () => ['ok', 's'] as unknown as ['ok', 's', null],
        handleEvent: () => 'keep_state_and_data',
      };
      await assert.rejects(GenStatem.start(badInit, undefined), (e: unknown) => {
        assert.ok(e instanceof StartError);
        assert.deepEqual(e.reason, ['bad_return_from_init', ['ok', 's']]);
        return true;
      });
    });
  });

  it('init: stop, error and ignore fail the start with their reason', async () => {
    await run(async () => {
      const failing = (result: unknown): GenStatem<'s', null, AnyCalls, unknown, unknown, void> => ({
        callbackMode: 'handle_event_function',
        init: () => result as ['stop', unknown],
        handleEvent: () => 'keep_state_and_data',
      });
      for (const [result, reason] of [
        [['stop', 'no_config'], 'no_config'],
        [['error', 'quietly'], 'quietly'],
        ['ignore', 'ignore'],
      ] as const) {
        await assert.rejects(GenStatem.start(failing(result), undefined), (e: unknown) => {
          assert.ok(e instanceof StartError);
          assert.deepEqual(e.reason, reason);
          return true;
        });
      }
    });
  });

  it('sys: getState is [state, data], replaceState replaces both, statistics counts messages in and replies out', async () => {
    await run(async () => {
      const pid = await GenStatem.start(
        probe('s', (type, _content, _state, tester) => {
          if (typeof type === 'object' && type !== null && (type as unknown[])[0] === 'call')
            return ['keep_state', tester, [['reply', (type as [string, From])[1], 'ok']]];
          return 'keep_state_and_data';
        }),
        self(),
      );
      assert.deepEqual(await getState(pid), ['s', self()]);
      assert.deepEqual(await replaceState<[string, Pid]>(pid, ([, data]) => ['t', data]), ['t', self()]);
      assert.deepEqual(await getState(pid), ['t', self()]);
      await assert.rejects(
        replaceState(pid, () => 'not a pair'),
        BadArgError,
      );
      assert.deepEqual(await getState(pid), ['t', self()], 'a replace that failed changes nothing');
      GenStatem.cast(pid, 'a');
      send(pid, 'b');
      await GenStatem.call(pid, 'c');
      const stats = await statistics(pid);
      assert.equal(stats.messagesIn, 3);
      assert.equal(stats.messagesOut, 1);
      flush();
      await GenStatem.stop(pid);
    });
  });

  it('traced with call, it reports each event as [label, handleEvent, [type, content, state]]', async () => {
    await run(async () => {
      const pid = await GenStatem.start(
        probe('s', () => 'keep_state_and_data'),
        self(),
      );
      trace(pid, true, ['call']);
      GenStatem.cast(pid, 'hi');
      assert.deepEqual(await receive([['trace', pid, 'call', _]], 1000), [
        'trace',
        pid,
        'call',
        ['probe', 'handleEvent', ['cast', 'hi', 's']],
      ]);
      trace(pid, false, ['call']);
      flush();
      await GenStatem.stop(pid);
    });
  });

  it('startLink: a machine that traps exits runs terminate with its parent’s exit reason', async () => {
    await run(async () => {
      const tester = self();
      const machine: GenStatem<'s', Pid, AnyCalls, unknown, unknown, Pid> = {
        callbackMode: 'handle_event_function',
        init: (t) => {
          processFlag('trap_exit', true);
          return ['ok', 's', t];
        },
        handleEvent: () => 'keep_state_and_data',
        terminate: (reason, state, t) => send(t, ['terminate', reason, state]),
      };
      const parent = spawn(async () => {
        const pid = await GenStatem.startLink(machine, tester);
        send(tester, ['child', pid]);
        await receive(['die']);
        exit('parent_gone');
      });
      const [, child] = await receive([['child', _]], 1000);
      const ref = monitor('process', child as Pid);
      send(parent, 'die');
      assert.deepEqual(await receive([['terminate', _, _]], 1000), ['terminate', 'parent_gone', 's']);
      assert.equal(await down(ref), 'parent_gone');
    });
  });

  it('start checks its callbacks: a callback mode and the callbacks it needs', async () => {
    await run(async () => {
      const noMode = { init: () => ['ok', 's', null], handleEvent: () => 'keep_state_and_data' };
      assert.throws(
        () => GenStatem.start(noMode as unknown as GenStatem<'s', null>, undefined),
        (e: unknown) => e instanceof BadArgError && e.argument === 'statem.callbackMode',
      );
      const noStates = { callbackMode: 'state_functions', init: () => ['ok', 's', null] };
      assert.throws(
        () => GenStatem.start(noStates as unknown as GenStatem<'s', null>, undefined),
        (e: unknown) => e instanceof BadArgError && e.argument === 'statem.states',
      );
    });
  });
});

/**
 * gen_statem takes `Actions :: [action()] | action()` (loop_actions
 * listifies a non-list), so each action can be written alone. In beamish's
 * array notation an array is a list of actions, unless it is one action
 * and not also a list of actions: then it is that action. Each kind below
 * was checked in erl (OTP 25) written alone, e.g.
 * `{keep_state_and_data, {reply, From, replied}}`.
 */
describe('GenStatem: one action written alone (gen_statem: Actions :: [action()] | action())', () => {
  it('gen_statem: {reply, From, Reply} alone: ["keep_state_and_data", ["reply", from, x]] answers the call', async () => {
    await run(async () => {
      const pid = await GenStatem.start(
        probe('s', (type) =>
          Array.isArray(type) && type[0] === 'call'
            ? ['keep_state_and_data', ['reply', type[1], 'replied']]
            : 'keep_state_and_data',
        ),
        self(),
      );
      assert.equal(await GenStatem.call(pid, 'hello', 1000), 'replied');
      await GenStatem.stop(pid);
      flush();
    });
  });

  it('gen_statem: {next_event, Type, Content} alone inserts the event', async () => {
    await run(async () => {
      const pid = await GenStatem.start(
        probe('s', (_type, content) =>
          content === 'go' ? ['keep_state_and_data', ['next_event', 'internal', 'inserted']] : 'keep_state_and_data',
        ),
        self(),
      );
      GenStatem.cast(pid, 'go');
      assert.deepEqual(await seen(2), [
        ['cast', 'go', 's'],
        ['internal', 'inserted', 's'],
      ]);
      await GenStatem.stop(pid);
    });
  });

  it('gen_statem: {postpone, true} alone postpones the event until the state changes (postpone alone too)', async () => {
    await run(async () => {
      const pid = await GenStatem.start(
        probe('closed', (type, content, state, tester) => {
          if (content === 'open') return ['next_state', 'open', tester];
          if (content === 'close') return ['next_state', 'closed', tester];
          if (type === 'cast' && state === 'closed')
            return ['keep_state_and_data', content === 'a' ? ['postpone', true] : 'postpone'];
          return 'keep_state_and_data';
        }),
        self(),
      );
      GenStatem.cast(pid, 'a');
      GenStatem.cast(pid, 'b');
      GenStatem.cast(pid, 'open');
      assert.deepEqual(await seen(5), [
        ['cast', 'a', 'closed'],
        ['cast', 'b', 'closed'],
        ['cast', 'open', 'closed'],
        ['cast', 'a', 'open'],
        ['cast', 'b', 'open'],
      ]);
      await GenStatem.stop(pid);
    });
  });

  it('gen_statem: {hibernate, true} alone is taken, as hibernate alone (both do nothing here)', async () => {
    await run(async () => {
      const pid = await GenStatem.start(
        probe('s', (_type, content) => ['keep_state_and_data', content === 'a' ? ['hibernate', true] : 'hibernate']),
        self(),
      );
      GenStatem.cast(pid, 'a');
      GenStatem.cast(pid, 'b');
      assert.deepEqual(await seen(2), [
        ['cast', 'a', 's'],
        ['cast', 'b', 's'],
      ]);
      assert.deepEqual(await getState(pid), ['s', self()], 'still running');
      await GenStatem.stop(pid);
    });
  });

  it('gen_statem: {timeout, T, C}, {state_timeout, T, C} and {{timeout, Name}, T, C} alone start their timeouts (a bare Time too)', async () => {
    await run(async () => {
      const actions: Record<string, StatemActions> = {
        event: ['timeout', 5, 'E'],
        state: ['state_timeout', 5, 'S'],
        generic: [['timeout', 'g'], 5, 'G'],
        bare: 5,
      };
      const pid = await GenStatem.start(
        probe('s', (_type, content) => {
          const action = typeof content === 'string' ? actions[content] : undefined;
          return action === undefined ? 'keep_state_and_data' : ['keep_state_and_data', action];
        }),
        self(),
      );
      const fired: unknown[][] = [];
      for (const name of Object.keys(actions)) {
        GenStatem.cast(pid, name);
        fired.push(...(await seen(2)));
      }
      assert.deepEqual(fired, [
        ['cast', 'event', 's'],
        ['timeout', 'E', 's'],
        ['cast', 'state', 's'],
        ['state_timeout', 'S', 's'],
        ['cast', 'generic', 's'],
        [['timeout', 'g'], 'G', 's'],
        ['cast', 'bare', 's'],
        ['timeout', 5, 's'],
      ]);
      await GenStatem.stop(pid);
    });
  });

  it('gen_statem: {Kind, cancel} and {Kind, update, Content} alone cancel and update a running timeout', async () => {
    await run(async () => {
      const pid = await GenStatem.start(
        probe('s', (_type, content) => {
          switch (content) {
            case 'arm':
              return [
                'keep_state_and_data',
                [
                  [['timeout', 'g'], 30, 'old'],
                  ['state_timeout', 30, 'st'],
                  [['timeout', 'marker'], 60, 'marker'],
                ],
              ];
            case 'cancel-state':
              return ['keep_state_and_data', ['state_timeout', 'cancel']];
            case 'update':
              return ['keep_state_and_data', [['timeout', 'g'], 'update', 'new']];
            case 'cancel-g':
              return ['keep_state_and_data', [['timeout', 'g'], 'cancel']];
            default:
              return 'keep_state_and_data';
          }
        }),
        self(),
      );
      GenStatem.cast(pid, 'arm');
      GenStatem.cast(pid, 'cancel-state');
      GenStatem.cast(pid, 'update');
      // g fires with the updated content, the state timeout never, before the marker.
      assert.deepEqual(await seen(5), [
        ['cast', 'arm', 's'],
        ['cast', 'cancel-state', 's'],
        ['cast', 'update', 's'],
        [['timeout', 'g'], 'new', 's'],
        [['timeout', 'marker'], 'marker', 's'],
      ]);
      GenStatem.cast(pid, 'arm');
      GenStatem.cast(pid, 'cancel-g');
      GenStatem.cast(pid, 'cancel-state');
      assert.deepEqual(await seen(4), [
        ['cast', 'arm', 's'],
        ['cast', 'cancel-g', 's'],
        ['cast', 'cancel-state', 's'],
        [['timeout', 'marker'], 'marker', 's'],
      ]);
      await GenStatem.stop(pid);
    });
  });

  it("gen_statem: one action alone in init's result and in a state enter call", async () => {
    await run(async () => {
      const pid = await GenStatem.start(
        probe(
          's',
          (type) =>
            type === 'enter' ? ['keep_state_and_data', ['state_timeout', 5, 'entered']] : 'keep_state_and_data',
          { stateEnter: true, initActions: ['next_event', 'internal', 'boot'] },
        ),
        self(),
      );
      assert.deepEqual(await seen(3), [
        ['enter', 's', 's'],
        ['internal', 'boot', 's'],
        ['state_timeout', 'entered', 's'],
      ]);
      await GenStatem.stop(pid);
    });
  });

  it('beamish: an array that reads both as a list of actions and as one action is a list; one that is neither stops the machine naming its first element that is no action', async () => {
    await quietly(() =>
      run(async () => {
        // A list: cancel the event timeout, an event timeout of 5 ms (Erlang's
        // bare Time), hibernate. Read alone it would be a generic timeout named
        // 'cancel' with content 'hibernate'.
        const both: StatemActions = [['timeout', 'cancel'], 5, 'hibernate'];
        const pid = await GenStatem.start(
          probe('s', (_type, content) => (content === 'go' ? ['keep_state_and_data', both] : 'keep_state_and_data')),
          self(),
        );
        GenStatem.cast(pid, 'go');
        assert.deepEqual(await seen(2), [
          ['cast', 'go', 's'],
          ['timeout', 5, 's'],
        ]);
        await GenStatem.stop(pid);
        const bad = await GenStatem.start(
          probe('s', (type) =>
            Array.isArray(type) ? (['keep_state_and_data', ['reply', 'nobody', 1]] as never) : 'keep_state_and_data',
          ),
          self(),
        );
        await assert.rejects(GenStatem.call(bad, 'x', 1000), (e: unknown) => {
          assert.ok(e instanceof CallError);
          assert.deepEqual(e.why, ['bad_action_from_state_function', 'reply']);
          return true;
        });
        flush();
      }),
    );
  });
});
