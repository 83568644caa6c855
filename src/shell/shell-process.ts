import { exit, isAlive, type Pid, ProcessExit, self, selfSignal, spawn } from '../runtime/index.js';
import { type Runner, runnerHere } from './runner.js';

/** How the shell ends its process: killed (on close), or exiting with a reason (after an exception). */
type Ending = { readonly kill: true } | { readonly kill: false; readonly reason: unknown };

/**
 * The shell process: the beamish process every line typed at the prompt runs
 * as, Erlang's shell evaluator. Its pid is what `self()` returns at the
 * prompt, messages sent to it wait in its mailbox, and `receive` and `flush`
 * typed at the prompt take from that mailbox.
 *
 * Its function does nothing but wait for the shell to end it. It waits on a
 * plain promise, not in a `receive`, so that a `receive` typed at the prompt
 * is the process's one receive (a process runs one at a time); the cost is
 * that `processInfo` calls it `running` between lines where Erlang's
 * evaluator is `waiting`. Lines run in it through a runner made inside it,
 * which carries the process's async context (see runner.ts).
 */
export class ShellProcess {
  /** Set once the shell ended the process itself: its death is then no news. */
  retired = false;
  private reason: unknown = undefined;

  private constructor(
    /** The process's pid: `self()` at the prompt. */
    readonly pid: Pid,
    private readonly runner: Runner,
    private readonly endWith: (ending: Ending) => void,
  ) {}

  /**
   * Spawns a shell process, as the caller; resolves once it runs.
   * `onDeath(shell, reason)` is called, in a microtask, when it dies,
   * whatever the cause.
   *
   * ```ts
   * const shell = await ShellProcess.start((s, reason) => console.log(`${s.pid} died: ${reason}`));
   * shell.inside(() => self()); // shell.pid
   * ```
   */
  static start(onDeath: (shell: ShellProcess, reason: unknown) => void): Promise<ShellProcess> {
    return new Promise((resolve) => {
      spawn(async () => {
        let endWith: (ending: Ending) => void = () => {};
        const ended = new Promise<Ending>((r) => {
          endWith = r;
        });
        const shell = new ShellProcess(self(), runnerHere(), endWith);
        const signal = selfSignal();
        signal.addEventListener(
          'abort',
          () => {
            // This runs as the dying process, which can no longer act:
            // whoever is told must do the work in a context of its own.
            shell.reason = signal.reason instanceof ProcessExit ? signal.reason.reason : signal.reason;
            endWith({ kill: true }); // lets the function below unwind
            queueMicrotask(() => onDeath(shell, shell.reason));
          },
          { once: true },
        );
        resolve(shell);
        const ending = await ended;
        if (ending.kill) exit(self(), 'kill');
        else exit(ending.reason);
      });
    });
  }

  /** Whether the process is alive. */
  get alive(): boolean {
    return isAlive(this.pid);
  }

  /** The reason it died with; `undefined` while it lives. */
  get exitReason(): unknown {
    return this.reason;
  }

  /** Runs `fn` as the shell process: `self()` inside it is `pid`. */
  inside<T>(fn: () => T): T {
    return this.runner(fn);
  }

  /**
   * Ends the process with `reason`, as if its function had thrown it: links
   * and monitors see `reason` (`'normal'` included, as with `exit(normal)`).
   */
  end(reason: unknown): void {
    this.retired = true;
    this.endWith({ kill: false, reason });
  }

  /** Kills the process, as `exit(pid, 'kill')`: links see `killed`. */
  kill(): void {
    this.retired = true;
    this.endWith({ kill: true });
  }
}
