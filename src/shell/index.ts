/**
 * `beamish shell`: an Erlang-shell-like REPL. Every line runs as one
 * long-lived beamish process, the shell process, so `self()` is the same pid
 * from line to line, messages sent to it wait in its mailbox, and `receive`
 * and `flush()` typed at the prompt take from it. Results print in Erlang's
 * notation; an exception prints as Erlang's shell prints it and the shell
 * process is replaced by a new one. See docs/shell.md.
 */
import domainModule from 'node:domain';
import repl from 'node:repl';
import { PassThrough } from 'node:stream';
import * as gun from '../gun/index.js';
import * as runtime from '../runtime/index.js';
import { crashReportsTo } from './crash-reports.js';
import { Evaluator } from './evaluator.js';
import { exceptionReport } from './exceptions.js';
import { GlobalNames } from './globals.js';
import { shellHelpers } from './helpers.js';
import { CtrlC } from './interrupt.js';
import { LineGate } from './line-gate.js';
import { runnerHere } from './runner.js';
import { showResult } from './writer.js';

export { type ShellHelpers, shellHelpers } from './helpers.js';
export { ShellReport, showResult } from './writer.js';

/** Where the shell reads lines and writes results. */
export interface ShellOptions {
  /** Lines to evaluate (process.stdin for the command). */
  input: NodeJS.ReadableStream;
  /** Prompts, results, reports (process.stdout for the command). */
  output: NodeJS.WritableStream;
  /**
   * Whether `input` and `output` are a terminal: line editing, history, and
   * Ctrl-C interrupting an awaiting line. Default: whether `output` is a TTY,
   * as for Node's REPL. When false, lines are taken one at a time, each once
   * the one before is done.
   */
  terminal?: boolean;
  /** The prompt. Default `'beamish> '`. */
  prompt?: string;
}

const BANNER = 'beamish shell (help() for help, .exit or Ctrl-D to leave)\n';

/**
 * Runs the shell on `input` and `output`; resolves when it closes (`.exit`,
 * Ctrl-D, or the end of `input`).
 *
 * On close the shell process is killed, as `exit(pid, 'kill')` does:
 * processes linked to it die too (with reason `killed`) unless they trap
 * exits; every other process started at the prompt is left as it is. While
 * the shell runs, crash reports of processes and rejections nothing awaited
 * are written to `output` (a rejection would otherwise end Node), and the
 * bindings are globals (see globals.ts); all of that is undone on close.
 *
 * Call it outside any process, as the command does: new shell processes are
 * spawned as the caller.
 *
 * ```ts
 * // what `beamish shell` does
 * import { startShell } from 'beamish/shell';
 *
 * await startShell({ input: process.stdin, output: process.stdout });
 * ```
 */
export async function startShell(opts: ShellOptions): Promise<void> {
  checkOptions(opts);
  const { input, output } = opts;
  const terminal = opts.terminal ?? (output as { isTTY?: boolean }).isTTY === true;
  const write = (text: string): void => {
    // A timer a line left behind may throw after the shell closed, when
    // whoever owns `output` may have ended it.
    if ((output as { writable?: boolean }).writable !== false) output.write(text);
  };
  const evaluator = new Evaluator(runnerHere(), write);
  await evaluator.start();
  const ourLogger = crashReportsTo(write);
  const previousLogger = runtime.setLogger(ourLogger);
  const globals = new GlobalNames();
  write(BANNER);

  // Node's REPL catches what a line throws, at once or after an await, in
  // a domain; given one of ours, the errors come to the evaluator instead of
  // being printed Node's way (`Uncaught ...`). `domain` is an option Node's
  // REPL has always read but does not document.
  const domain = domainModule.create();
  globals.watch();
  const prompt = opts.prompt ?? 'beamish> ';
  const server = repl.start({
    input: terminal ? input : new PassThrough(),
    output,
    terminal,
    prompt,
    writer: showResult,
    useGlobal: true,
    preview: false,
    breakEvalOnSigint: terminal,
    domain,
  } as repl.ReplOptions);
  globals.keepAdded();

  // On a terminal, Ctrl-C as erl's (see interrupt.ts).
  const ctrlC = terminal ? new CtrlC(server, prompt, () => !evaluator.idle, write) : undefined;
  evaluator.attach(server, server.eval, ctrlC === undefined ? undefined : () => ctrlC.releaseAwaits());
  Object.assign(server, { eval: evaluator.eval });
  const domainTaken = domain.listenerCount('error') > 0;
  domain.removeAllListeners('error');
  domain.on('error', (err: unknown) => evaluator.domainError(err));
  if (!domainTaken) write('(this Node REPL ignores the domain option: exceptions print as Node prints them)\n');

  const helpers = shellHelpers(write);
  const bind = (): void => {
    for (const [name, value] of Object.entries(runtime)) globals.define(name, value);
    globals.define('gun', gun);
    globals.define('flush', helpers.flush);
    globals.define('i', helpers.i);
    globals.define('regs', helpers.regs);
    globals.define('help', helpers.help);
    // observer_cli's view of this program, in the terminal (`q` returns 'ok').
    globals.define('top', (opts?: Parameters<typeof import('../cli/top.js').top>[0]) =>
      import('../cli/top.js').then((m) => m.top(opts)),
    );
  };
  bind();
  server.on('reset', bind); // `.clear` redefines the REPL's names, `_` among them

  const gate = terminal
    ? undefined
    : new LineGate(
        input,
        (line) => server.write(`${line}\n`),
        () => server.close(),
      );
  const displayPrompt = server.displayPrompt.bind(server);
  server.displayPrompt = (preserveCursor?: boolean): void => {
    displayPrompt(preserveCursor);
    gate?.ready();
  };

  let closing = false;
  const onRejection = (reason: unknown): void => {
    // Killing the shell process on close rejects a receive it left pending
    // (one typed without await): that is its code unwinding, not news.
    if (closing && reason instanceof runtime.ProcessExit && reason.reason === 'killed') return;
    evaluator.report(`${exceptionReport(reason)} (outside any line)`);
  };
  process.on('unhandledRejection', onRejection);

  await new Promise<void>((resolve) => server.once('exit', resolve));

  closing = true;
  gate?.close();
  evaluator.close();
  // Rejections the kill causes are seen once microtasks have run: wait a turn.
  await new Promise((resolve) => setImmediate(resolve));
  process.off('unhandledRejection', onRejection);
  globals.restore();
  const current = runtime.setLogger(previousLogger);
  if (current !== ourLogger) runtime.setLogger(current); // someone set another meanwhile: theirs stays
}

function checkOptions(opts: ShellOptions): void {
  if (typeof opts !== 'object' || opts === null) {
    throw new runtime.BadArgError('startShell', 'opts', 'expected { input, output }');
  }
  if (typeof (opts.input as { on?: unknown } | undefined)?.on !== 'function') {
    throw new runtime.BadArgError('startShell', 'opts.input', 'expected a readable stream, such as process.stdin');
  }
  if (typeof (opts.output as { write?: unknown } | undefined)?.write !== 'function') {
    throw new runtime.BadArgError('startShell', 'opts.output', 'expected a writable stream, such as process.stdout');
  }
}
