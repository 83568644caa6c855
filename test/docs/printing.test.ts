/**
 * One way of printing terms: the same term prints the same wherever beamish
 * prints it (formatTerm, the shell's results and flush(), the CLI's stdout,
 * --trace, crash and supervisor reports). Real connections, real processes,
 * a real shell and a real `beamish` command.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { printer } from '../../src/cli/output.js';
import { traceConnection } from '../../src/cli/trace.js';
import * as gun from '../../src/gun/index.js';
import { startTracer } from '../../src/otp/index.js';
import { Supervisor, type SupervisorReport } from '../../src/otp/supervisor.js';
import { formatSupervisorReport } from '../../src/otp/supervisor-server.js';
import {
  _,
  type CrashReport,
  exit,
  formatTerm,
  monitor,
  type Pid,
  processes,
  receive,
  run,
  send,
  setLogger,
  sleep,
  spawn,
  spawnLink,
  trace,
} from '../../src/runtime/index.js';
import { formatCrashReport } from '../../src/runtime/logger.js';
import { startShell } from '../../src/shell/index.js';
import { startServer, type TestServer } from '../helpers/servers.js';

const PROMPT = 'beamish> ';
const bin = fileURLToPath(new URL('../../bin/beamish.js', import.meta.url));

/** An HTTP server whose answers do not change from run to run (no date header). */
async function startHttp(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.sendDate = false;
    res.setHeader('content-type', 'text/plain');
    if (req.url === '/chunked') {
      res.write('one,');
      setTimeout(() => res.end('two'), 10);
    } else {
      res.end('hello');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `done` every 5 ms; throws after `ms`. */
async function until(done: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(5);
  }
}

/** A shell in this process, driven through its streams. */
class ShellSession {
  private out = '';
  readonly closed: Promise<void>;
  private readonly input = new PassThrough();

  constructor() {
    const output = new PassThrough();
    output.on('data', (chunk: Buffer | string) => {
      this.out += String(chunk);
    });
    this.closed = startShell({ input: this.input, output, terminal: false });
  }

  /** Types `text` and resolves with what the shell printed before its next prompt. */
  async line(text: string): Promise<string> {
    await until(() => this.out.endsWith(PROMPT), 'the prompt');
    const from = this.out.length;
    this.input.write(`${text}\n`);
    await until(() => this.out.length > from && this.out.endsWith(PROMPT), `the result of ${text}`);
    return this.out.slice(from, -PROMPT.length).trimEnd();
  }

  /** Everything printed so far. */
  get text(): string {
    return this.out;
  }

  end(): Promise<void> {
    this.input.end();
    return this.closed;
  }
}

/** The messages the owner gets for a GET of `/chunked` on gun2 and a classic WebSocket echo of 'hi', with --trace's lines. */
async function gunMessages(httpPort: number, wsPort: number): Promise<{ messages: unknown[]; traced: string[] }> {
  return run(async () => {
    const messages: unknown[] = [];
    const traced: string[] = [];
    const web = gun.open('127.0.0.1', httpPort, { dialect: 'gun2', retry: 0 });
    traceConnection(web, (line) => traced.push(line));
    const ref = gun.get(web, '/chunked');
    for (;;) {
      const msg = await receive(
        [
          ['gun_up', web, _],
          [_, web, ref, _, _],
          [_, web, ref, _, _, _],
        ],
        5000,
      );
      messages.push(msg);
      if (msg[0] === 'gun_data' && msg[3] === 'fin') break;
    }
    gun.close(web);
    const ws = gun.open('127.0.0.1', wsPort, { retry: 0 });
    traceConnection(ws, (line) => traced.push(line));
    gun.wsUpgrade(ws, '/echo');
    messages.push(await receive([['gun_ws_upgrade', ws, 'ok']], 5000));
    gun.wsSend(ws, ['text', 'hi']);
    messages.push(await receive([['gun_ws', ws, _]], 5000));
    gun.close(ws);
    // The tracer prints after the fact, in a process of its own.
    await until(() => traced.filter((l) => / ! \{gun_/.test(l)).length >= messages.length, 'the trace lines');
    return { messages, traced };
  });
}

describe("one printer for Gun's messages", () => {
  let web: Awaited<ReturnType<typeof startHttp>>;
  let wsServer: TestServer;
  before(async () => {
    web = await startHttp();
    wsServer = await startServer();
  });
  after(async () => {
    await web.close();
    await wsServer.close();
  });

  it('prints the same line for each message in the shell (flush, a result), the CLI and --trace', async () => {
    const { messages, traced } = await gunMessages(web.port, wsServer.port);
    const expected = messages.map((m) => gun.formatGunMessage(m));
    // Gun's shapes: header lists of binaries, payloads as binaries.
    assert.ok(
      expected.some((l) => l.includes('[{<<"content-type">>,<<"text/plain">>},')),
      expected.join('\n'),
    );
    assert.ok(
      expected.some((l) => l.includes('{<<"transfer-encoding">>,<<"chunked">>}')),
      expected.join('\n'),
    );
    assert.ok(
      expected.some((l) => l.endsWith(',{text,<<"hi">>}}')),
      expected.join('\n'),
    );

    // The CLI: what `beamish get` and `beamish ws://` print on stdout.
    const cli: string[] = [];
    const print = printer(false, (line) => cli.push(line));
    for (const m of messages) print(m);
    assert.deepEqual(cli, expected);

    // --trace: the connection's sends to the owner, `(<conn>) <owner> ! Message`.
    const sent = traced.filter((l) => / ! \{gun_/.test(l)).map((l) => l.slice(l.indexOf(' ! ') + 3));
    assert.deepEqual(sent, expected);

    // The shell: the same messages in the shell process's mailbox, flushed, and as results.
    const shell = new ShellSession();
    const me = await shell.line('self()');
    const shellPid = processes().find((p) => String(p) === me) as Pid;
    for (const m of messages) send(shellPid, m);
    assert.equal(await shell.line('flush()'), [...expected.map((l) => `Shell got ${l}`), 'ok'].join('\n'));
    (globalThis as { printingMessages?: unknown[] }).printingMessages = messages;
    for (const [i, line] of expected.entries()) assert.equal(await shell.line(`printingMessages[${i}]`), line);
    delete (globalThis as { printingMessages?: unknown[] }).printingMessages;
    await shell.end();
  });

  it('beamish get --trace: every message on stdout is, as it is, the line the trace shows the connection sending', async () => {
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [bin, 'get', '--trace', `http://127.0.0.1:${web.port}/chunked`],
        { timeout: 20_000 },
        (err, stdout, stderr) =>
          resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? null), stdout, stderr }),
      );
    });
    assert.equal(r.code, 0, r.stderr);
    const printed = r.stdout.trim().split('\n');
    assert.equal(printed.length, 4, r.stdout); // gun_up, gun_response, two gun_data
    assert.ok(printed[1]?.includes('{<<"transfer-encoding">>,<<"chunked">>}'), printed[1]);
    const sent = r.stderr
      .split('\n')
      .filter((l) => / ! \{gun_/.test(l))
      .map((l) => l.slice(l.indexOf(' ! ') + 3));
    // The command lets the tracer finish before it exits: every message,
    // the last too, is traced as stdout has it.
    assert.deepEqual(sent, printed, r.stderr);
  });
});

describe('one notation for a thrown Error: #Name<message>, and its stack where a report wants it', () => {
  it('formatTerm, a crash report, a supervisor report, a trace and the shell print the same', async () => {
    const crashes: CrashReport[] = [];
    const previous = setLogger({ crash: (report) => void crashes.push(report) });
    try {
      const printed = '{error,#Error<asked to die>}';
      assert.equal(formatTerm(['error', new Error('asked to die')]), printed);

      // A crash report, and a trace of the process that crashed.
      const lines: string[] = [];
      await run(async () => {
        const tracer = startTracer({ write: (line) => lines.push(line) });
        const doomed = spawn(async () => {
          await receive(['go']);
          throw new Error('asked to die');
        });
        trace(doomed, true, ['procs'], { tracer });
        const ref = monitor('process', doomed);
        send(doomed, 'go');
        await receive([['DOWN', ref, 'process', doomed, _]], 5000);
        await until(() => lines.some((l) => l.includes(' exit ')), 'the exit in the trace');
        exit(tracer, 'kill');
      });
      assert.match(
        lines.find((l) => l.includes(' exit ')) ?? '',
        new RegExp(`^\\(<0\\.\\d+\\.0>\\) exit ${esc(printed)}$`),
      );
      const crash = crashes.at(-1) as CrashReport;
      assert.match(
        formatCrashReport(crash),
        new RegExp(
          `^=ERROR REPORT====\\nError in process <0\\.\\d+\\.0> with exit value:\\n${esc(printed)}\\nError: asked to die\\n {4}at `,
        ),
      );

      // A supervisor report: the reason, and the stack aligned below it.
      const reports: SupervisorReport[] = [];
      await run(async () => {
        const sup = await Supervisor.start(
          {
            children: [
              {
                id: 'doomed',
                restart: 'temporary',
                start: () =>
                  spawnLink(async () => {
                    await sleep(10);
                    throw new Error('asked to die');
                  }),
              },
            ],
          },
          { report: (report) => void reports.push(report) },
        );
        await until(() => reports.length > 0, 'the supervisor report');
        await Supervisor.stop(sup);
      });
      const text = formatSupervisorReport(reports[0] as SupervisorReport);
      assert.match(text, new RegExp(`\\n {4}reason: ${esc(printed)}\\n {12}Error: asked to die\\n {16}at `), text);
      assert.match(text, /errorContext: child_terminated/);

      // The shell: a line that throws it, and a linked process that does.
      const shell = new ShellSession();
      assert.equal(await shell.line("throw new Error('asked to die')"), '** exception error: #Error<asked to die>');
      assert.equal(await shell.line("['error', new Error('asked to die')]"), printed);
      await shell.line("spawnLink(async () => { await sleep(20); throw new Error('asked to die') }); 'armed'");
      await until(() => shell.text.includes(`** exception error: #Error<asked to die>\n${PROMPT}`), 'the crash');
      assert.doesNotMatch(shell.text, /__exception__/);
      await shell.end();
    } finally {
      setLogger(previous);
    }
  });
});

function esc(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
