import type { REPLServer } from 'node:repl';

/**
 * Ctrl-C on a terminal, as close to erl's as a Node REPL allows.
 *
 * erl (OTP 25): Ctrl-C opens the BREAK menu, `(c)ontinue` goes back to the
 * line as it was, and a second Ctrl-C leaves; interrupting a line that runs
 * is Ctrl-G `i` `c`, which kills the evaluator: `** exception exit: killed`.
 * Node's REPL: Ctrl-C clears a line typed, prints "(To exit, press Ctrl+C
 * again ...)" on an empty one and leaves at the next; during an awaiting
 * line it rejects the await with "Script execution was interrupted by
 * SIGINT".
 *
 * Here, while a line runs, Ctrl-C goes to Node's handler, which ends the
 * line's await; the evaluator reports that as erl's interrupt (see
 * `isInterrupt`). At the prompt the line typed (or a command continued over
 * several lines) is abandoned, the hint printed and a fresh prompt shown;
 * a second Ctrl-C in a row leaves, as erl's ^C ^C does. Any line entered in
 * between disarms it.
 *
 * Node's handler would also take a Ctrl-C at the prompt to interrupt an
 * await the REPL still holds for a line that already ended (the shell ends
 * a line when its shell process dies, before the promise it awaits settles;
 * until then Node's REPL also holds the keys typed): `releaseAwaits` ends
 * those awaits first, and their rejections are no news.
 */
export class CtrlC {
  private readonly nodeHandlers: Array<(...args: unknown[]) => void>;
  private armed = false;

  constructor(
    private readonly server: REPLServer,
    /** The REPL's main prompt, to tell a command continued over several lines. */
    private readonly prompt: string,
    /** Whether a line is being evaluated (or waits for a shell process). */
    private readonly busy: () => boolean,
    private readonly write: (text: string) => void,
  ) {
    this.nodeHandlers = server.listeners('SIGINT') as Array<(...args: unknown[]) => void>;
    server.removeAllListeners('SIGINT');
    server.on('SIGINT', () => this.onSigint());
    server.on('line', () => {
      this.armed = false;
    });
  }

  /**
   * Ends every await Node's REPL still holds for a line that has ended: runs
   * Node's SIGINT handler if it has such interrupts queued (it runs them and
   * returns), and nothing else of it. Returns whether there were any.
   *
   * With none queued, Node's handler goes on to clear the line, which it
   * does first of all: `clearLine` is stood in for by a function that
   * throws, so that it stops there.
   */
  releaseAwaits(): boolean {
    const stop = Symbol('no interrupt queued');
    const server = this.server as unknown as Record<string, unknown>;
    const own = Object.getOwnPropertyDescriptor(server, 'clearLine');
    Object.defineProperty(server, 'clearLine', {
      configurable: true,
      writable: true,
      value: () => {
        throw stop;
      },
    });
    try {
      this.runNodeHandlers();
      return true;
    } catch (err) {
      if (err === stop) return false;
      throw err;
    } finally {
      if (own === undefined) delete server.clearLine;
      else Object.defineProperty(server, 'clearLine', own);
    }
  }

  private onSigint(): void {
    if (this.busy()) {
      this.runNodeHandlers();
      return;
    }
    this.releaseAwaits();
    const server = this.server;
    const typed = server.line.length > 0 || server.getPrompt() !== this.prompt;
    if (this.armed && !typed) {
      this.armed = false;
      server.close();
      return;
    }
    // Readline's own clearLine (as Node's handler does): the cursor to the
    // end of what was typed, a new line, and the line emptied.
    (server as unknown as { clearLine(): void }).clearLine();
    server.clearBufferedCommand();
    Object.assign(server, { editorMode: false });
    server.setPrompt(this.prompt);
    this.write('(To exit, press Ctrl+C again or Ctrl+D or type .exit)\n');
    this.armed = true;
    server.displayPrompt();
  }

  private runNodeHandlers(): void {
    for (const handler of this.nodeHandlers) handler.call(this.server);
  }
}

/**
 * Whether `err` is Node's REPL interrupting a line (Ctrl-C while it awaits,
 * or while its code runs): the REPL rejects the await, or stops the script,
 * with ERR_SCRIPT_EXECUTION_INTERRUPTED.
 */
export function isInterrupt(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED'
  );
}
