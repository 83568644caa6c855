/**
 * The runtime demo: a few processes exchanging messages, each message printed
 * as Erlang would print it and as JavaScript does. Every line comes in the
 * order the story below tells: where two processes run side by side, the
 * shell waits (with a monitor) for the one that should print first.
 */
import { inspect } from 'node:util';
import {
  _,
  anyNumber,
  exit,
  formatTerm,
  link,
  monitor,
  processFlag,
  receive,
  register,
  self,
  send,
  spawn,
} from '../src/runtime/index.js';

function show(who: string, msg: unknown): void {
  console.log(`${who.padEnd(8)} got  ${formatTerm(msg).padEnd(44)} js: ${inspect(msg, { breakLength: Infinity })}`);
}

// A counter server, registered by name, that answers [get, From].
const counter = spawn(async () => {
  let n = 0;
  for (;;) {
    const msg = await receive([['add', anyNumber], ['get', _], 'stop']);
    show('counter', msg);
    if (msg === 'stop') return;
    if (msg[0] === 'add') n += msg[1];
    else send(msg[1] as typeof counter, ['count', n]);
  }
});
register('counter', counter);

const shell = self();
console.log(`shell is ${shell}, counter is ${counter}`);
send('counter', ['add', 2]);
send('counter', ['add', 40]);
send('counter', ['get', shell]);
show('shell', await receive([['count', anyNumber]]));

// Selective receive: the later 'urgent' message is taken before the older ones.
send(shell, ['note', 1]);
send(shell, ['note', 2]);
send(shell, ['urgent', 'now']);
show('shell', await receive([['urgent', _]]));
show('shell', await receive([['note', _]]));
show('shell', await receive([['note', _]]));

// A timeout with an `after` outcome.
console.log(`shell    after ${await receive([['never']], 20, () => 'timeout after 20 ms')}`);

// Links and monitors: a worker crashes; a trapping supervisor-like process
// sees ['EXIT', ...]; the shell's monitor sees ['DOWN', ...]. The shell waits
// for the watcher to end before it takes its own DOWN (selective receive
// again), so the two lines print in that order.
const watcher = spawn(async () => {
  processFlag('trap_exit', true);
  const worker = spawn(async () => {
    await receive(['crash']);
    exit('worker_failed');
  });
  link(worker);
  send(shell, ['worker', worker]);
  show('watcher', await receive([['EXIT', worker, _]]));
});
const [, worker] = await receive([['worker', _]]);
const ref = monitor('process', worker as typeof counter);
const wref = monitor('process', watcher);
send(worker as typeof counter, 'crash');
await receive([['DOWN', wref, _, _, _]]);
show('shell', await receive([['DOWN', ref, 'process', _, _]]));

// Stopping the counter: 'stop' is only a message, so the shell waits for the
// counter's DOWN (reason normal) before it says it is done.
const cref = monitor('process', counter);
send(counter, 'stop');
show('shell', await receive([['DOWN', cref, 'process', counter, _]]));
console.log('done');
