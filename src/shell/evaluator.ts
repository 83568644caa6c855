import { AsyncLocalStorage } from 'node:async_hooks';
import { type REPLEval, type REPLServer, Recoverable } from 'node:repl';
// A line's exception ends the shell process with the reason a spawned
// process would exit with had its function thrown the same thing.
import { exitReasonOf, ProcessExit } from '../runtime/index.js';
import { exceptionReport, exitReport, idleDeathReport, syntaxReport } from './exceptions.js';
import { isInterrupt } from './interrupt.js';
import type { Runner } from './runner.js';
import { ShellProcess } from './shell-process.js';
import { ShellReport } from './writer.js';

/** How a shell process that raised an exception ends: with the exception's reason, or killed (an interrupt). */
type Ending = { readonly reason: unknown } | { readonly kill: true };

/** One line (or multi-line command) being evaluated. */
interface Line {
  readonly shell: ShellProcess;
  /** The REPL's own continuation: prints the result and the next prompt. */
  readonly finish: (err: Error | null, result: unknown) => void;
  done: boolean;
  /** Whether Node's evaluator has called back for it (it does not for what it sends to the domain). */
  replied: boolean;
}

/**
 * Runs each line as the shell process, with Node's own REPL evaluator (top-
 * level await, multi-line input, Ctrl-C), and keeps a live shell process at
 * the prompt: after an exception the process exits with it and a new one,
 * with a new pid, takes the next line, as Erlang's shell does.
 *
 * Errors reach it two ways. A line that does not parse comes back through
 * the evaluator's callback. An exception thrown by a line, at once or after
 * an await, goes to the REPL's domain (Node's REPL catches them there), which
 * the shell hands to `domainError`; a line is known there by the
 * AsyncLocalStorage store it ran with, so an error thrown later by a timer an
 * earlier line started is reported without ending the current line.
 */
export class Evaluator {
  private shell: ShellProcess | undefined;
  private line: Line | undefined;
  /** Lines waiting for a shell process being started. */
  private waiting = 0;
  private restarting: Promise<void> | undefined;
  private closed = false;
  private readonly lines = new AsyncLocalStorage<Line>();

  private repl: { readonly server: REPLServer; readonly nodeEval: REPLEval } | undefined;
  private releaseAwaits: () => void = () => {};

  constructor(
    /** Runs as the caller of startShell: new shell processes are spawned there. */
    private readonly outer: Runner,
    private readonly write: (text: string) => void,
  ) {}

  /**
   * Starts the first shell process; the REPL is made after it, so that the
   * first prompt shows once there is a process to run lines in.
   */
  start(): Promise<void> {
    return this.respawn();
  }

  /**
   * Takes the REPL's own evaluator (`server.eval`, before `eval` below
   * replaces it), which runs each line, and on a terminal the way to end
   * the awaits the REPL still holds for lines that have ended (see
   * interrupt.ts): a line ends when its shell process dies, and the REPL
   * would go on holding the keys typed until the promise the line awaits
   * settles, if ever.
   */
  attach(server: REPLServer, nodeEval: REPLEval, releaseAwaits?: () => void): void {
    this.repl = { server, nodeEval };
    if (releaseAwaits !== undefined) this.releaseAwaits = releaseAwaits;
  }

  /** Whether no line is being evaluated or waiting to be. */
  get idle(): boolean {
    return this.line === undefined && this.waiting === 0;
  }

  /** The REPL's eval: evaluates `code` as the shell process. */
  readonly eval: REPLEval = (code, context, file, finish) => {
    const shell = this.liveShell();
    if (shell === undefined) {
      // A shell process is being started: the line waits for it.
      this.waiting++;
      void (this.restarting ?? this.respawn()).then(
        () => {
          this.waiting--;
          this.eval.call(this.attached().server, code, context, file, finish);
        },
        () => {}, // said and closed in respawn
      );
      return;
    }
    const { server, nodeEval } = this.attached();
    const line: Line = { shell, finish, done: false, replied: false };
    this.line = line;
    shell.inside(() =>
      this.lines.run(line, () => {
        nodeEval.call(server, code, context, file, (err, result) => this.evaluated(line, err, result));
      }),
    );
  };

  /**
   * An error that reached the REPL's domain: thrown by the line being
   * evaluated (then the line ends with it), or outside any line, by a
   * callback or a promise nothing awaited that an earlier line left behind
   * (the domain takes the rejections of promises made in it): reported, and
   * the shell process goes on, as Node's REPL goes on after an uncaught
   * error in a timer.
   */
  domainError(err: unknown): void {
    // The kill on close unwinds whatever the shell process left pending.
    if (this.closed && err instanceof ProcessExit && err.reason === 'killed') return;
    const line = this.lines.getStore();
    const current = line !== undefined && line === this.line && !line.done;
    if (isInterrupt(err)) {
      // Ctrl-C during a line: erl's interrupt (Ctrl-G i c) kills the
      // evaluator and prints `** exception exit: killed`. An interrupt of a
      // line that had already ended is the REPL letting go of its await.
      if (current) this.crashed(line, exitReport('killed'), { kill: true });
      return;
    }
    if (current) {
      this.crashed(line, exceptionReport(err), { reason: exitReasonOf(err) });
      return;
    }
    this.report(`${exceptionReport(err)} (outside any line)`);
  }

  /** Prints a report that comes between lines, and a fresh prompt when idle. */
  report(text: string): void {
    this.write(`${text}\n`);
    if (this.idle && !this.closed) this.repl?.server.displayPrompt();
  }

  /** Kills the shell process (and any being started): the shell is closing. */
  close(): void {
    this.closed = true;
    this.shell?.kill();
    void this.restarting?.then(
      () => this.shell?.kill(),
      () => {},
    );
  }

  private attached(): { readonly server: REPLServer; readonly nodeEval: REPLEval } {
    if (this.repl === undefined) throw new Error('Evaluator: attach(server, nodeEval) first');
    return this.repl;
  }

  private evaluated(line: Line, err: Error | null, result: unknown): void {
    line.replied = true;
    if (line.done) return;
    if (err instanceof Recoverable) {
      // Input continues on the next line: the REPL buffers it.
      this.endLine(line);
      line.finish(err, undefined);
      return;
    }
    if (err !== null && err !== undefined) {
      // Node's REPL hands back only compile errors here; anything the line
      // threw went to the domain. A SyntaxError is one that never ran.
      if (err.name === 'SyntaxError') {
        this.endLine(line);
        line.finish(null, new ShellReport(syntaxReport(err)));
      } else if (isInterrupt(err)) {
        this.crashed(line, exitReport('killed'), { kill: true });
      } else {
        this.crashed(line, exceptionReport(err), { reason: exitReasonOf(err) });
      }
      return;
    }
    if (!line.shell.alive) {
      // The line killed its own process (`exit(self(), 'kill')`), or something
      // did while it awaited: Erlang prints `** exception exit: killed`.
      this.crashed(line, exitReport(line.shell.exitReason), { reason: undefined });
      return;
    }
    this.endLine(line);
    line.finish(null, result);
  }

  private endLine(line: Line): void {
    line.done = true;
    if (this.line === line) this.line = undefined;
  }

  /**
   * The line raised an exception: the process exits with it (or is killed),
   * a new one takes over, then the report. A line ended before Node's
   * evaluator called back may leave the REPL awaiting its promise: let go
   * of that await before the prompt shows.
   */
  private crashed(line: Line, report: string, ending: Ending): void {
    line.done = true;
    void this.replace(line.shell, ending).then(
      () => {
        if (!line.replied) this.releaseAwaits();
        if (this.line === line) this.line = undefined;
        line.finish(null, new ShellReport(report));
      },
      () => {}, // said and closed in respawn
    );
  }

  /** The current shell process if it is alive; otherwise starts the restart and returns undefined. */
  private liveShell(): ShellProcess | undefined {
    if (this.restarting !== undefined) return undefined;
    const shell = this.shell;
    if (shell === undefined) return undefined;
    if (!shell.alive) {
      // Dead between lines; its death notice is still on its way.
      this.diedIdle(shell, shell.exitReason);
      return undefined;
    }
    return shell;
  }

  private shellDied(shell: ShellProcess, reason: unknown): void {
    if (this.closed || shell.retired || shell !== this.shell) return;
    // A line running in it reports the death when it ends.
    if (this.line?.shell === shell) return;
    this.diedIdle(shell, reason);
  }

  private diedIdle(shell: ShellProcess, reason: unknown): void {
    if (shell.retired) return;
    this.write(`${idleDeathReport(reason)}\n`);
    void this.replace(shell, { reason: undefined }).then(
      () => {
        if (this.idle && !this.closed) this.repl?.server.displayPrompt();
      },
      () => {}, // said and closed in respawn
    );
  }

  /** Ends `old` (if it still lives) as `ending` says, and starts its successor. */
  private replace(old: ShellProcess, ending: Ending): Promise<void> {
    if (!old.alive) old.retired = true;
    else if ('kill' in ending) old.kill();
    else old.end(ending.reason);
    return this.restarting ?? this.respawn();
  }

  private respawn(): Promise<void> {
    const started = this.spawnShell().then(
      (shell) => {
        if (this.closed) shell.kill();
        this.shell = shell;
        this.restarting = undefined;
      },
      (err: unknown) => {
        // Without a process to run lines in there is no shell: say why and close.
        this.write(`** the shell cannot start a process: ${exceptionReport(err)}\n`);
        this.repl?.server.close();
        throw err;
      },
    );
    this.restarting = started;
    return started;
  }

  private spawnShell(): Promise<ShellProcess> {
    const onDeath = (shell: ShellProcess, reason: unknown): void => this.shellDied(shell, reason);
    // The caller of startShell acts as the runtime's top-level process when
    // outside any process; if that one was killed, its next call throws once
    // and a fresh one takes over (see src/runtime/context.ts): once more.
    return this.outer(() => ShellProcess.start(onDeath)).catch(() => this.outer(() => ShellProcess.start(onDeath)));
  }
}
