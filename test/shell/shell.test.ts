import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, execFileSync, spawn as spawnChild } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exit, isAlive, type Logger, type Pid, processes, setLogger } from '../../src/runtime/index.js';
import { startShell } from '../../src/shell/index.js';

const PROMPT = 'beamish> ';
const repo = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A shell driven through its streams: `line` types one line and resolves
 * with what the shell printed for it, once the next prompt shows.
 */
class Session {
  private out = '';
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly input: NodeJS.WritableStream,
    output: NodeJS.ReadableStream,
  ) {
    output.on('data', (chunk: Buffer | string) => {
      this.out += String(chunk);
      for (const wake of this.waiters) wake();
    });
  }

  /** Everything printed so far. */
  get text(): string {
    return this.out;
  }

  /** Resolves with the output from `from` on once `done` holds of it; rejects after `ms`. */
  waitFor(done: (text: string) => boolean, from = 0, ms = 5000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const text = this.out.slice(from);
        if (!done(text)) return;
        cleanup();
        resolve(text);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no such output within ${ms} ms; got:\n${this.out.slice(from)}`));
      }, ms);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Types `text` and resolves with what the shell printed before its next prompt. */
  async line(text: string, ms = 5000): Promise<string> {
    const from = this.out.length;
    this.input.write(`${text}\n`);
    const printed = await this.waitFor((t) => t.endsWith(PROMPT), from, ms);
    return printed.slice(0, -PROMPT.length).trimEnd();
  }

  /** Types `text`; for a line that runs on, whose result is awaited with `waitFor`. */
  type(text: string): number {
    const from = this.out.length;
    this.input.write(`${text}\n`);
    return from;
  }
}

/** A shell in this process on PassThrough streams, with terminal: false. */
async function inProcess(): Promise<{ session: Session; input: PassThrough; closed: Promise<void> }> {
  const input = new PassThrough();
  const output = new PassThrough();
  const session = new Session(input, output);
  const closed = startShell({ input, output, terminal: false });
  await session.waitFor((t) => t.endsWith(PROMPT));
  return { session, input, closed };
}

/** The pid with this printed form, among the live processes. */
function livePid(printed: string): Pid | undefined {
  return processes().find((p) => String(p) === printed);
}

const PID = /^<0\.\d+\.0>$/;
/** The escape sequences a terminal REPL writes to move the cursor and clear lines. */
const CURSOR_MOVES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g');

describe('beamish shell, in this process', () => {
  it('prints results in Erlang notation: 1+1, a tuple, a string, a map', async () => {
    const { session, input, closed } = await inProcess();
    assert.equal(await session.line('1+1'), '2');
    assert.equal(await session.line("['ok', 1]"), '{ok,1}');
    assert.equal(await session.line("'hello world'"), '<<"hello world">>');
    assert.equal(await session.line('({ a: 1 })'), '#{a => 1}');
    assert.equal(await session.line('typeof gun.open'), 'function');
    assert.match(await session.line('help()'), /^flush\(\) +-- [\s\S]*\ntrue$/);
    input.end();
    await closed;
  });

  it('runs every line as one process: self() is the same pid from line to line, and is a live process', async () => {
    const { session, input, closed } = await inProcess();
    const first = await session.line('self()');
    assert.match(first, PID);
    assert.equal(await session.line('self()'), first);
    assert.equal(await session.line('await sleep(10); self()'), first);
    const pid = livePid(first);
    assert.ok(pid !== undefined && isAlive(pid), `${first} is not a live process`);
    input.end();
    await closed;
  });

  it("flush() prints each message of the shell process's mailbox as Erlang's does, and returns ok", async () => {
    const { session, input, closed } = await inProcess();
    const me = await session.line('self()');
    assert.equal(await session.line("send(self(), ['ping', self()])"), `{ping,${me}}`);
    assert.equal(await session.line("send(self(), 'hello')"), 'hello');
    assert.equal(await session.line('flush()'), `Shell got {ping,${me}}\nShell got hello\nok`);
    assert.equal(await session.line('flush()'), 'ok', 'the first flush dropped them');
    input.end();
    await closed;
  });

  it('a message sent to the shell process waits in its mailbox until a receive typed at the prompt takes it', async () => {
    const { session, input, closed } = await inProcess();
    await session.line("var shellSelf = self(); spawn(() => { send(shellSelf, ['pong', 42]) }); 'sent'");
    // The sender ran between the lines; the message waits for a receive.
    assert.equal(await session.line('processInfo(self()).messageQueueLen'), '1');
    assert.equal(await session.line("await receive([['pong', anyNumber]], 1000)"), '{pong,42}');
    assert.equal(await session.line('processInfo(self()).messageQueueLen'), '0');
    input.end();
    await closed;
  });

  it('i() lists a spawned process with its status and mailbox length; regs() shows a registered name', async () => {
    const { session, input, closed } = await inProcess();
    const me = await session.line('self()');
    const p = await session.line("var iWorker = spawn(async () => { await receive(['never']) }); iWorker");
    await session.line("send(iWorker, 'a'); send(iWorker, 'b'); send(iWorker, 'c')");
    const table = await session.line('i()');
    const lines = table.split('\n');
    assert.match(lines[0] as string, /^Pid\s+Name\s+Status\s+Msgs\s+Links$/);
    assert.match(table, new RegExp(`^${p}\\s+waiting\\s+3$`, 'm'), table);
    assert.match(table, new RegExp(`^${me}\\s+running\\s+0$`, 'm'), 'the shell process evaluating i() runs');
    assert.equal(lines.at(-1), 'ok');

    assert.equal(await session.line("register('i_worker', iWorker)"), 'true');
    const regs = await session.line('regs()');
    assert.match(regs, /\*\* Registered procs on node nonode@nohost \*\*/);
    assert.match(regs, new RegExp(`^i_worker\\s+${p}\\s+3$`, 'm'), regs);
    assert.match(await session.line('i()'), new RegExp(`^${p}\\s+i_worker\\s+waiting\\s+3$`, 'm'));

    await session.line("var linked = spawnLink(() => receive(['never'])); linked");
    const withLink = await session.line('i()');
    assert.match(withLink, new RegExp(`^${me}\\s+running\\s+0\\s+<0\\.\\d+\\.0>$`, 'm'), withLink);
    await session.line("exit(iWorker, 'kill'); unlink(linked); exit(linked, 'kill')");
    input.end();
    await closed;
  });

  it('a receive with a timeout and no after throws: ** exception exit: timeout, a new shell process, and the next line works', async () => {
    const { session, input, closed } = await inProcess();
    const before = await session.line('self()');
    const started = Date.now();
    assert.equal(await session.line("await receive([['pong', _]], 100)"), '** exception exit: timeout');
    assert.ok(Date.now() - started >= 95, 'waited its 100 ms');
    const afterPid = await session.line('self()');
    assert.match(afterPid, PID);
    assert.notEqual(afterPid, before, 'Erlang replaces its evaluator after an exception');
    assert.equal(livePid(before), undefined, 'the old shell process is dead');
    assert.equal(
      await session.line("await receive([['pong', _]], 50, 'none')"),
      'none',
      'with an after value it returns it',
    );
    assert.equal(await session.line('self()'), afterPid, 'and no exception: same process');
    assert.equal(await session.line('1+1'), '2');
    input.end();
    await closed;
  });

  it("prints thrown errors, thrown values and exits as Erlang's shell does, and goes on with a new pid", async () => {
    const { session, input, closed } = await inProcess();
    const p1 = await session.line('self()');
    assert.equal(
      await session.line('null.x'),
      "** exception error: #TypeError<Cannot read properties of null (reading 'x')>",
    );
    const p2 = await session.line('self()');
    assert.notEqual(p2, p1);
    assert.equal(await session.line("throw 'bar'"), '** exception throw: bar');
    assert.equal(await session.line("exit(['shutdown', 1])"), '** exception exit: {shutdown,1}');
    assert.equal(await session.line("await sleep(5); throw new Error('later')"), '** exception error: #Error<later>');
    assert.equal(await session.line("exit(self(), 'kill')"), '** exception exit: killed');
    assert.equal(await session.line('1+1'), '2');
    input.end();
    await closed;
  });

  it('the exception is the exit reason of the old shell process, as links and monitors see it', async () => {
    const { session, input, closed } = await inProcess();
    await session.line('var shellBefore = self()');
    await session.line(
      "var watcher = spawn(async () => { const ref = monitor('process', shellBefore); const [, , , , reason] = await receive([['DOWN', ref, 'process', _, _]]); globalThis.seenReason = reason })",
    );
    assert.equal(await session.line("exit('boom')"), '** exception exit: boom');
    await session.line('await sleep(10)');
    assert.equal((globalThis as { seenReason?: unknown }).seenReason, 'boom');
    input.end();
    await closed;
  });

  // erl (OTP 25): spawn_link(fun() -> timer:sleep(200), erlang:error(asked_to_die) end) prints
  // `** exception error: asked_to_die` once the shell waits for a line, `** exception exit:
  // asked_to_die` when the crash comes during a line: the reason without its stack.
  it("prints a linked process's crash as erl does: the error, in formatTerm's notation", async () => {
    const { session, input, closed } = await inProcess();
    const setLogger0 = setLogger({ crash() {} });
    try {
      let from = session.type("spawnLink(async () => { await sleep(30); throw new Error('asked to die') }); 'armed'");
      await session.waitFor((t) => t.includes(`** exception error: #Error<asked to die>\n${PROMPT}`), from);
      assert.doesNotMatch(session.text, /__exception__/);
      from = session.text.length;
      assert.equal(
        await session.line("spawnLink(() => { throw new TypeError('no such thing') }); await sleep(50)"),
        '** exception exit: #TypeError<no such thing>',
      );
      assert.equal(
        await session.line("exit(['error', 'not an Error'])"),
        '** exception exit: {error,<<"not an Error">>}',
      );
    } finally {
      setLogger(setLogger0);
    }
    input.end();
    await closed;
  });

  it("flush() and a line's result print Gun's messages as formatGunMessage does: headers as lists of binaries", async () => {
    const { session, input, closed } = await inProcess();
    const me = await session.line('self()');
    await session.line(
      "var gunRef = makeRef(); var chunked = ['gun_response', self(), gunRef, 'nofin', 200, [['transfer-encoding', 'chunked']]]",
    );
    const ref = await session.line('gunRef');
    const printed = `{gun_response,${me},${ref},nofin,200,[{<<"transfer-encoding">>,<<"chunked">>}]}`;
    assert.equal(await session.line('chunked'), printed);
    await session.line("send(self(), chunked); send(self(), ['gun_ws', self(), gunRef, ['text', 'hi']])");
    assert.equal(
      await session.line('flush()'),
      `Shell got ${printed}\nShell got {gun_ws,${me},${ref},{text,<<"hi">>}}\nok`,
    );
    input.end();
    await closed;
  });

  it('processInfo(self()) prints as erlang:process_info does: [] for no name, lists of pids', async () => {
    const { session, input, closed } = await inProcess();
    assert.equal(
      await session.line('processInfo(self())'),
      '[{status,running},{message_queue_len,0},{links,[]},{monitors,[]},{monitored_by,[]},{registered_name,[]},{trap_exit,false}]',
    );
    const linked = await session.line("var infoLinked = spawnLink(() => receive(['never'])); infoLinked");
    assert.match(await session.line('processInfo(self())'), new RegExp(`\\{links,\\[${linked}\\]\\}`));
    await session.line("unlink(infoLinked); exit(infoLinked, 'kill')");
    input.end();
    await closed;
  });

  it('a line that does not parse prints a syntax error and keeps the same shell process', async () => {
    const { session, input, closed } = await inProcess();
    const me = await session.line('self()');
    assert.match(await session.line('1 +* 2'), /^\* syntax error: Unexpected token '\*'$/);
    assert.equal(await session.line('self()'), me);
    input.end();
    await closed;
  });

  it('takes a command over several lines, and piped lines in order even when one awaits', async () => {
    const { session, input, closed } = await inProcess();
    // All at once, as a pipe delivers them.
    const from = session.type("function twice(x) {\n  return 2 * x\n}\nawait sleep(50); 'first'\n'second'\ntwice(21)");
    const text = await session.waitFor((t) => /42\n/.test(t), from);
    const results = text.split(PROMPT).map((s) => s.trim());
    // The first two lines continue the command: Node's REPL prompts '... '
    // for them (Node 20; '| ' from Node 24 on). The function declaration's
    // value is undefined.
    const continued = results[0]?.replace(/^(?:\.\.\. \.\.\. |\| \| )/, '<continued> ');
    assert.deepEqual([continued, ...results.slice(1)], ['<continued> undefined', 'first', 'second', '42'], text);
    input.end();
    await closed;
  });

  it('processes spawned by a line run before the next line', async () => {
    const { session, input, closed } = await inProcess();
    await session.line("var early = spawn(async () => { await receive(['never']) })");
    assert.equal(await session.line('processInfo(early).status'), 'waiting');
    await session.line("exit(early, 'kill')");
    input.end();
    await closed;
  });

  it('when the shell process is killed between lines, prints ** exception error: Reason and a new one takes the prompt', async () => {
    const { session, input, closed } = await inProcess();
    const me = await session.line('var idleMe = self(); idleMe');
    const from = session.text.length;
    await session.line("spawn(async () => { await sleep(50); exit(idleMe, 'boom') }); 'armed'");
    await session.waitFor((t) => t.includes(`** exception error: boom\n${PROMPT}`), from);
    const next = await session.line('self()');
    assert.match(next, PID);
    assert.notEqual(next, me);
    input.end();
    await closed;
  });

  it('a crash report of a process spawned at the prompt goes to the shell output', async () => {
    const { session, input, closed } = await inProcess();
    const printed = await session.line("spawn(() => { throw new Error('crashed on purpose') }); await sleep(20)");
    // The exit value in Erlang's notation, then the stack, as erl's report shows {Reason, Stack}.
    assert.match(
      printed,
      /=ERROR REPORT====\nError in process <0\.\d+\.0> with exit value:\n\{error,#Error<crashed on purpose>\}\nError: crashed on purpose\n {4}at /,
    );
    input.end();
    await closed;
  });

  it('on close kills the shell process (a linked process dies with it), leaves other processes, and puts back globals and the logger', async () => {
    const logger: Logger = { crash() {} };
    const previous = setLogger(logger);
    try {
      const { session, closed } = await inProcess();
      const me = await session.line('self()');
      await session.line("var closeLinked = spawnLink(() => receive(['never']))");
      await session.line("var closePlain = spawn(() => receive(['never']))");
      const shellPid = livePid(me);
      const g = globalThis as { closeLinked?: Pid; closePlain?: Pid };
      assert.ok(shellPid !== undefined && g.closeLinked !== undefined && g.closePlain !== undefined);
      session.type('.exit');
      await closed;
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(isAlive(shellPid), false, 'the shell process is killed');
      assert.equal(isAlive(g.closeLinked), false, 'its link took the kill');
      assert.equal(isAlive(g.closePlain), true, 'an unlinked process is left as it was');
      exit(g.closePlain, 'kill');
      assert.equal((globalThis as { spawn?: unknown }).spawn, undefined, 'globals are put back');
      assert.equal((globalThis as { flush?: unknown }).flush, undefined);
      assert.equal(setLogger(previous), logger, 'the logger is put back');
    } finally {
      setLogger(previous);
    }
  });

  it('an error thrown outside any line (a timer, an unawaited promise) is printed, and the shell process goes on', async () => {
    const { session, input, closed } = await inProcess();
    const me = await session.line('self()');
    let from = session.type("setTimeout(() => { throw new Error('from a timer') }, 10); 'armed'");
    await session.waitFor((t) => t.includes('** exception error: #Error<from a timer> (outside any line)\n'), from);
    from = session.type("receive([['never']], 20)");
    await session.waitFor((t) => t.includes('** exception exit: timeout (outside any line)\n'), from);
    assert.equal(await session.line('self()'), me);
    input.end();
    await closed;
  });

  it("with terminal: true, keys typed while a line awaits wait their turn, Ctrl-C interrupts an awaiting line as erl's interrupt does, Ctrl-D closes", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const session = new Session(input, output);
    const closed = startShell({ input, output, terminal: true });
    // The terminal's output without its cursor movements.
    const plain = (): string => session.text.replace(CURSOR_MOVES, '');
    const pids = (): string[] => plain().match(/^<0\.\d+\.0>$/gm) ?? [];
    await session.waitFor((t) => t.includes(PROMPT));

    input.write("await sleep(100); 'slow'\r");
    input.write("'fast'\r");
    await session.waitFor(() => /^fast$/m.test(plain()));
    assert.match(plain(), /^slow$[\s\S]*^fast$/m, 'in the order typed');

    input.write('self()\r');
    await session.waitFor(() => pids().length === 1);
    input.write("await receive(['never'])\r");
    await session.waitFor(() => plain().endsWith("await receive(['never'])\r\n"));
    input.write('\x03');
    // erl's interrupt (^G i c) kills the evaluator: `** exception exit: killed`.
    await session.waitFor(() => /\*\* exception exit: killed\r?\n/.test(plain()));
    assert.doesNotMatch(plain(), /Script execution was interrupted/);
    input.write('self()\r');
    await session.waitFor(() => pids().length === 2);
    assert.notEqual(pids()[1], pids()[0], 'the interrupted shell process was replaced');

    input.write('\x04');
    await closed;
  });

  it('with terminal: true, Ctrl-C at the prompt abandons the line typed and shows a fresh prompt; a second Ctrl-C leaves', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const session = new Session(input, output);
    const closed = startShell({ input, output, terminal: true });
    const plain = (): string => session.text.replace(CURSOR_MOVES, '');
    let isClosed = false;
    void closed.then(() => {
      isClosed = true;
    });
    await session.waitFor((t) => t.includes(PROMPT));

    // A line whose shell process died while the REPL still awaits its promise: the prompt is
    // back, and what is typed at it shows and runs.
    input.write("setTimeout(() => { throw new Error('t') }, 10); await new Promise((r) => setTimeout(r, 2000))\r");
    await session.waitFor(() => plain().includes('** exception error: #Error<t>'));
    await session.waitFor(() => plain().endsWith(PROMPT));
    let from = plain().length;
    input.write('abc');
    await session.waitFor(() => plain().slice(from).includes('abc'), 0, 1000);

    // Ctrl-C drops 'abc' (erl's BREAK then (c)ontinue keeps it; a Node REPL cannot show BREAK).
    input.write('\x03');
    await session.waitFor(() => plain().slice(from).endsWith(PROMPT));
    assert.doesNotMatch(plain(), /Script execution was interrupted/);
    assert.doesNotMatch(plain(), /\(outside any line\)/);
    input.write('1+1\r');
    await session.waitFor(() => /^2$/m.test(plain().slice(from)));
    assert.doesNotMatch(plain(), /abc1/);

    // Typed text and a line in between: one Ctrl-C never leaves.
    from = plain().length;
    input.write('\x03');
    await session.waitFor(() => plain().slice(from).endsWith(PROMPT));
    input.write("'still_here'\r");
    await session.waitFor(() => /^still_here$/m.test(plain().slice(from)));
    input.write('\x03');
    await session.waitFor(() => plain().slice(from).endsWith(PROMPT));
    assert.equal(isClosed, false);
    // Two in a row leave, as erl's ^C ^C does.
    input.write('\x03');
    await closed;
  });

  it('leaves no process behind: every one the shells and these tests started is gone', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Outside any process, this file's code acts as the runtime's top-level
    // process, which spawned the shell processes: it alone may remain.
    assert.ok(processes().length <= 1, `still alive: ${processes().map(String).join(', ')}`);
  });

  it('refuses options without streams', async () => {
    await assert.rejects(
      startShell({ input: 'stdin' as unknown as NodeJS.ReadableStream, output: process.stdout }),
      /startShell: bad argument 'opts.input'/,
    );
    await assert.rejects(
      startShell({ input: new PassThrough(), output: {} as NodeJS.WritableStream }),
      /startShell: bad argument 'opts.output'/,
    );
  });
});

describe('beamish shell, as a child process with piped stdin', () => {
  const children: ChildProcessWithoutNullStreams[] = [];
  after(() => {
    for (const child of children) if (child.exitCode === null) child.kill();
  });

  function startChild(): { child: ChildProcessWithoutNullStreams; session: Session; exited: Promise<number | null> } {
    const code =
      "import('./src/shell/index.ts').then(m => m.startShell({input: process.stdin, output: process.stdout}))";
    const child = spawnChild(process.execPath, ['--import', 'tsx', '-e', code], { cwd: repo });
    children.push(child);
    const session = new Session(child.stdin, child.stdout);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    return { child, session, exited };
  }

  it('keeps self() across lines, flushes, survives an exception, and exits 0 when stdin ends', async () => {
    const { child, session, exited } = startChild();
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    await session.waitFor((t) => t.endsWith(PROMPT), 0, 30_000);
    assert.equal(await session.line('1+1'), '2');
    const me = await session.line('self()');
    assert.match(me, PID);
    assert.equal(await session.line('self()'), me);
    await session.line("send(self(), ['ping', self()])");
    assert.equal(await session.line('flush()'), `Shell got {ping,${me}}\nok`);
    assert.equal(await session.line("await receive([['pong', _]], 100)"), '** exception exit: timeout');
    const next = await session.line('self()');
    assert.notEqual(next, me);
    assert.equal(await session.line("['ok', 1]"), '{ok,1}');
    child.stdin.end();
    assert.equal(await exited, 0, stderr);
    assert.equal(stderr, '');
  });

  it('takes a whole script on stdin at once and prints every result in order', async () => {
    const { child, session, exited } = startChild();
    child.stdin.end("await sleep(30); 'one'\n'two'\nself()\nself()\n");
    assert.equal(await exited, 0);
    const results = session.text
      .split(PROMPT)
      .slice(1)
      .map((s) => s.trim())
      .filter((s) => s !== '');
    assert.equal(results.length, 4, session.text);
    assert.deepEqual(results.slice(0, 2), ['one', 'two']);
    assert.match(results[2] as string, PID);
    assert.equal(results[3], results[2]);
  });
});

/** Whether `erl` runs here. */
function erlAvailable(): boolean {
  try {
    execFileSync('erl', ['-noshell', '-eval', 'halt().'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

describe("beamish shell beside Erlang's", () => {
  const noErl = erlAvailable() ? false : 'erl is not installed';

  it("prints flush() and exceptions in the same shape as erl's shell", { skip: noErl }, async () => {
    const erl = execFileSync('erl', [], {
      input: 'self() ! {ping, self()}.\nflush().\nexit(boom).\nthrow(bar).\nhalt().\n',
      encoding: 'utf8',
      timeout: 20_000,
    });
    const erlLines = erl.split('\n');
    const erlFlush = erlLines.find((l) => l.includes('Shell got'));
    assert.match(erlFlush ?? '', /Shell got \{ping,<0\.\d+\.0>\}$/);
    assert.ok(erl.includes('** exception exit: boom'), erl);
    assert.ok(erl.includes('** exception throw: bar'), erl);

    const { session, input, closed } = await inProcess();
    await session.line("send(self(), ['ping', self()])");
    const ours = await session.line('flush()');
    assert.match(ours.split('\n')[0] as string, /^Shell got \{ping,<0\.\d+\.0>\}$/);
    assert.equal(await session.line("exit('boom')"), '** exception exit: boom');
    assert.equal(await session.line("throw 'bar'"), '** exception throw: bar');
    input.end();
    await closed;
  });
});
