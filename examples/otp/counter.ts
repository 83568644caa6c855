/**
 * A GenServer counter: the first thing OTP's gen_server manual builds.
 *
 *   -module(counter).
 *   init(Start) -> {ok, Start}.
 *   handle_call(get, _From, N) -> {reply, N, N};
 *   handle_call({add, K}, _From, N) -> {reply, N + K, N + K}.
 *   handle_cast(reset, _N) -> {noreply, 0}.
 *
 * Run: npx tsx examples/otp/counter.ts
 */
import { CallError, GenServer, getState } from '../../src/otp/index.js';
import { formatTerm } from '../../src/runtime/index.js';

/** The requests the counter answers, each with its reply type. */
type Calls = readonly [['get'], number] | readonly [['add', number], number];

const counter: GenServer<number, Calls, 'reset', unknown, number> = {
  name: 'counter',
  init: (start) => ['ok', start],
  handleCall(request, _from, n) {
    switch (request[0]) {
      case 'get':
        return ['reply', n, n];
      case 'add':
        return ['reply', n + request[1], n + request[1]];
    }
  },
  handleCast: (_reset, _n) => ['noreply', 0],
};

const pid = await GenServer.start(counter, 10, { name: 'counter' });
console.log(`started counter as ${pid}`);
console.log(`call(counter, {add,5}) -> ${await GenServer.call(pid, ['add', 5])}`);
console.log(`call(counter, get)     -> ${await GenServer.call(pid, ['get'])}`);
GenServer.cast(pid, 'reset');
console.log(`after cast(reset), sys:get_state -> ${await getState<number>('counter')}`);
await GenServer.stop('counter');
try {
  await GenServer.call<number>('counter', ['get'], 100);
} catch (error) {
  // The caller gets Erlang's exit reason: {noproc,{gen_server,call,[counter,{get},100]}}
  if (error instanceof CallError) console.log(`after stop: ${formatTerm(error.reason)}`);
}
