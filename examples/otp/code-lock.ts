/**
 * The code lock of OTP's design principles ("gen_statem Behaviour"), as a
 * GenStatem: a door locked with a code. Buttons are casts; the right code
 * opens the door, and a state timeout locks it again (10 s in the manual,
 * an option here so the example and its test run fast).
 *
 * It is the manual's version with state enter calls: entering `locked`
 * locks the door and forgets the buttons pressed, entering `open` unlocks it
 * and starts the state timeout; a button pressed while the door is open is
 * postponed, so it counts once the door is locked again; an event timeout
 * forgets buttons after a while without a press; `code_length` is a call
 * either state answers.
 *
 *   npx tsx examples/otp/code-lock.ts
 */
import { pathToFileURL } from 'node:url';
import { GenStatem, getState, type ServerPid, type StateCallbackResult, type StateEvent } from '../../src/otp/index.js';
import { sleep } from '../../src/runtime/index.js';

export type LockState = 'locked' | 'open';
export type LockCalls = readonly [['code_length'], number];
export type LockCast = readonly ['button', number];

export interface LockData {
  readonly code: readonly number[];
  /** The last buttons pressed, at most as many as the code has digits. */
  readonly buttons: readonly number[];
  readonly openMs: number;
  readonly buttonMs: number;
  /** Where "Lock" and "Unlock" go: the manual's `io:format`. */
  readonly say: (line: string) => void;
}

export interface LockOptions {
  readonly code: readonly number[];
  /** How long the door stays open (the manual's state timeout: 10 000 ms). */
  readonly openMs?: number;
  /** How long pressed buttons are remembered without a new press (the manual's event timeout: 30 000 ms). */
  readonly buttonMs?: number;
  readonly say?: (line: string) => void;
}

type Result = StateCallbackResult<LockState, LockData>;

/** What both states do with the events that are not theirs: answer `code_length`. */
function handleCommon(type: StateEvent<LockCalls, LockCast, never>[0], data: LockData): Result {
  if (typeof type === 'object' && type[0] === 'call')
    return ['keep_state_and_data', [['reply', type[1], data.code.length]]];
  return 'keep_state_and_data';
}

function sameButtons(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export const codeLock: GenStatem<LockState, LockData, LockCalls, LockCast, never, LockOptions> = {
  name: 'code_lock',
  callbackMode: 'state_functions',
  stateEnter: true,
  init: ({ code, openMs = 10_000, buttonMs = 30_000, say = console.log }) => [
    'ok',
    'locked',
    { code, buttons: [], openMs, buttonMs, say },
  ],
  states: {
    locked(type, content, data) {
      switch (type) {
        case 'enter':
          data.say('Lock');
          return ['keep_state', { ...data, buttons: [] }];
        case 'timeout':
          // No button for buttonMs: forget what was pressed.
          return ['keep_state', { ...data, buttons: [] }];
        case 'cast': {
          const kept = data.buttons.length < data.code.length ? data.buttons : data.buttons.slice(1);
          const buttons = [...kept, content[1]];
          if (sameButtons(buttons, data.code)) return ['next_state', 'open', data];
          return ['keep_state', { ...data, buttons }, [['timeout', data.buttonMs, 'button']]];
        }
        default:
          return handleCommon(type, data);
      }
    },
    open(type, _content, data) {
      switch (type) {
        case 'enter':
          data.say('Unlock');
          return ['keep_state_and_data', [['state_timeout', data.openMs, 'lock']]];
        case 'state_timeout':
          return ['next_state', 'locked', data];
        case 'cast':
          // The door is open: keep the button for when it is locked again.
          return ['keep_state_and_data', 'postpone'];
        default:
          return handleCommon(type, data);
      }
    },
  },
  terminate(_reason, state, data) {
    if (state !== 'locked') data.say('Lock');
  },
};

/** Presses a button: `code_lock:button(Button)`. */
export function button(lock: ServerPid<LockCalls, LockCast>, digit: number): void {
  GenStatem.cast(lock, ['button', digit]);
}

async function main(): Promise<void> {
  const openMs = 200;
  const buttonMs = 150;
  const lock = await GenStatem.start(codeLock, { code: [1, 2, 3], openMs, buttonMs }, { name: 'code_lock' });
  const show = async (): Promise<void> => {
    const [state, data] = await getState<[LockState, LockData]>(lock);
    console.log(`  state: ${state}, buttons: [${data.buttons.join(',')}]`);
  };
  console.log(`code length: ${await GenStatem.call(lock, ['code_length'])}`);

  console.log('press 1 2 9');
  for (const digit of [1, 2, 9]) button(lock, digit);
  await show();
  console.log(`wait ${buttonMs + 100} ms without a press`);
  await sleep(buttonMs + 100);
  await show();

  console.log('press 1 2 3');
  for (const digit of [1, 2, 3]) button(lock, digit);
  await show();
  console.log('press 7 while the door is open');
  button(lock, 7);
  await show();
  console.log(`wait ${openMs + 100} ms`);
  await sleep(openMs + 100);
  await show();

  await GenStatem.stop(lock);
  console.log('stopped');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
