import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseCommandLine, UsageError } from '../../src/cli/args.js';
import { keysOf, ObserverClient, onceFrame, sseEvents, TopError, type TopIo, top } from '../../src/cli/top.js';
import { type Observer, observe } from '../../src/observer/index.js';
import type { Snapshot } from '../../src/observer/types.js';
import { exit, type Pid, receive, register, send, spawn, unregister } from '../../src/runtime/index.js';
import { beamish, command } from '../helpers/cli.js';
import { freePort } from '../helpers/servers.js';
import { skippable } from '../helpers/skippable.js';

const run = promisify(execFile);

/** A process that waits for a message nobody sends: what it is sent stays in its mailbox. */
function idle(): Pid {
  return spawn(async function idler() {
    await receive([['never', 'sent']]);
  });
}

/** `url` with another token. */
function withToken(url: string, token: string): string {
  const u = new URL(url);
  u.searchParams.set('token', token);
  return u.href;
}

describe('beamish top against an observer in this process', { concurrency: true }, () => {
  let observer: Observer;
  const pids: Pid[] = [];
  before(async () => {
    observer = await observe({ intervalMs: 200 });
    for (let i = 0; i < 3; i++) pids.push(idle());
    const held = idle();
    pids.push(held);
    register('top_test_held', held);
    for (let i = 0; i < 7; i++) send(held, ['job', i]);
  });
  after(async () => {
    unregister('top_test_held');
    for (const pid of pids) exit(pid, 'kill');
    await observer.close();
  });

  it('--once --json prints one Snapshot with the processes and their mailboxes, and exits 0', async () => {
    const r = await beamish(['top', '--once', '--json', observer.url]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1, 'one line of JSON');
    const snapshot = JSON.parse(r.stdout) as Snapshot;
    assert.equal(typeof snapshot.header.uptimeMs, 'number');
    assert.equal(snapshot.header.intervalMs, 200);
    for (const pid of pids)
      assert.ok(
        snapshot.processes.some((row) => row.pid === String(pid)),
        String(pid),
      );
    const held = snapshot.processes.find((row) => row.name === 'top_test_held');
    assert.equal(held?.mailbox, 7);
    assert.equal(held?.status, 'waiting');
    assert.equal(held?.pid, String(pids[3]));
  });

  it('--once: one text frame, the longest mailbox first, no ANSI code, no token', async () => {
    // What `beamish top --once` prints, made in-process (a Node start-up less).
    const client = new ObserverClient(new URL(observer.url));
    const text = onceFrame(client, await client.snapshot(), { isTTY: false } as TopIo['output']);
    const lines = text.split('\n');
    assert.match(lines[0] as string, /^beamish top {2}127\.0\.0\.1:\d+ {2}sort: mailbox {2}uptime \d+:\d\d:\d\d/);
    assert.match(lines[1] as string, /^processes \d+ {2}ELU \d+\.\d% {2}loop delay .* heap .* RSS .* GC \d+/);
    assert.match(lines[3] as string, /^ {2}PID +NAME +STATUS +MAILBOX +RECEIVED +R\/INT +LINKS +WAITING FOR$/);
    assert.match(lines[4] as string, /^ {2}<0\.\d+\.0> +top_test_held +waiting +7 +0 +0 +0 {2}\[\{never,sent\}\]$/);
    assert.match(text, /^\d+ of \d+ processes\n$/m);
    assert.ok(!text.includes('\x1b'), 'no ANSI code in a frame printed once');
    assert.ok(!text.includes(observer.token), 'the token is not printed');
  });

  it('a wrong token: "the observer refused the token", exit 1', async () => {
    const r = await beamish(['top', '--once', '--json', withToken(observer.url, '0'.repeat(32))]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `beamish: the observer at 127.0.0.1:${observer.port} refused the token\n`);
  });

  it('a refused connection, a server that is no observer: one clear line each', async () => {
    // The messages `beamish top` prints after `beamish: ` (exit 1, as for the token above).
    const port = await freePort();
    await assert.rejects(new ObserverClient(new URL(`http://127.0.0.1:${port}/?token=abc`)).snapshot(), {
      name: 'TopError',
      message: `cannot connect to the observer at 127.0.0.1:${port}: connection refused (ECONNREFUSED)`,
    });
    const elsewhere = new ObserverClient(new URL(`http://127.0.0.1:${observer.port}/nowhere/?token=${observer.token}`));
    await assert.rejects(elsewhere.snapshot(), (err: unknown) => {
      assert.ok(err instanceof TopError);
      assert.match(err.message, /^(no observer at|the observer at) 127\.0\.0\.1:\d+.* HTTP 404/);
      return true;
    });
  });

  it('a bad URL, a missing token or --json alone: a usage error', () => {
    const usage = (argv: string[], re: RegExp) =>
      assert.throws(
        () => parseCommandLine(argv),
        (err: unknown) => err instanceof UsageError && re.test(err.message),
      );
    usage(['top', 'not a url'], /^bad URL 'not a url': expected the URL observe\(\) gave/);
    usage(['top', 'ws://127.0.0.1:1/?token=a'], /^bad URL/);
    usage(['top', 'http://127.0.0.1:1/'], /has no token/);
    usage(['top'], /missing the observer's URL/);
    usage(['top', '--json', 'http://127.0.0.1:1/?token=a'], /--json goes with --once/);
    usage(['top', '--js', 'http://127.0.0.1:1/?token=a'], /unknown option --js/);
    assert.deepEqual(parseCommandLine(['top', '--once', '--json', 'http://127.0.0.1:1/?token=a']), {
      kind: 'top',
      url: new URL('http://127.0.0.1:1/?token=a'),
      once: true,
      json: true,
    });
  });

  it('top() in a program: its own observer, the keys taken from readline while it runs and given back', async () => {
    const input = new PassThrough();
    const output = Object.assign(new PassThrough(), { isTTY: true, columns: 100, rows: 20 });
    let screen = '';
    output.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
    });
    const readlineKeys: unknown[] = [];
    const keypress = (key: unknown) => readlineKeys.push(key);
    input.on('keypress', keypress);
    const done = top({ input, output, intervalMs: 200 });
    for (let i = 0; i < 100 && !/top_test_held/.test(screen); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(screen.startsWith('\x1b[?1049h'), 'the alternate screen');
    assert.match(screen, />? <0\.\d+\.0> +top_test_held +waiting +7 /);
    // 20 lines: 14 processes at most, the rest is the header, the column names and the keys.
    const [, shown, total] = /(\d+) of (\d+) processes/.exec(screen) ?? [];
    assert.equal(Number(shown), Math.min(14, Number(total)), screen);
    assert.equal(input.listenerCount('keypress'), 0, "readline's keys set aside");
    input.write('q');
    assert.equal(await done, 'ok');
    assert.ok(screen.endsWith('\x1b[?1049l'), 'the screen given back');
    assert.deepEqual(input.listeners('keypress'), [keypress]);
  });

  it('reads SSE split anywhere, with CRLF, comments and multi-line data; splits raw-mode keys', async () => {
    const text =
      ': ping\r\n\r\nevent: snapshot\r\nid: 1\r\ndata: {"a":\r\ndata: 1}\r\n\r\nid: 2\ndata:x\n\nevent: delta\n\n';
    const bytes = new TextEncoder().encode(text);
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.slice(i, i + 3);
    }
    const events = [];
    for await (const e of sseEvents(chunks())) events.push(e);
    assert.deepEqual(events, [
      { event: 'snapshot', id: '1', data: '{"a":\n1}' },
      { event: 'message', id: '2', data: 'x' },
    ]);
    assert.deepEqual(keysOf('\x1b[A\x1bOBm\r\x1b\x03q'), ['up', 'down', 'm', 'enter', 'escape', 'quit', 'q']);
  });
});

const tmuxMissing =
  spawnSync('tmux', ['-V']).status === 0 ? false : 'tmux is not installed (Debian: apt-get install tmux)';

describe('beamish top under tmux', () => {
  const { it, before, after } = skippable(tmuxMissing);
  const socket = join(tmpdir(), `beamish-top-${process.pid}.sock`);
  const tmux = (...args: string[]) => run('tmux', ['-S', socket, ...args]);
  const screen = async () => (await tmux('capture-pane', '-p', '-t', 'top')).stdout;
  /** The pane's text once `done` holds of it; fails after `ms` with what it showed. */
  const waitFor = async (what: string, done: (text: string) => boolean, ms = 5000): Promise<string> => {
    let text = '';
    for (const end = Date.now() + ms; Date.now() < end; ) {
      text = await screen();
      if (done(text)) return text;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`${what}: not on the screen within ${ms} ms; it showed:\n${text}`);
  };
  const quoted = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

  let observer: Observer;
  const pids: Pid[] = [];
  before(async () => {
    observer = await observe({ intervalMs: 200 });
    for (let i = 0; i < 5; i++) pids.push(idle());
    const cmd = `${quoted(process.execPath)} ${quoted(command)} top ${quoted(observer.url)}; echo "top exited $?"; sleep 60`;
    await tmux('new-session', '-d', '-x', '120', '-y', '40', '-s', 'top', cmd);
  });
  after(async () => {
    await tmux('kill-server').catch(() => undefined);
    rmSync(socket, { force: true });
    for (const pid of pids) exit(pid, 'kill');
    await observer?.close();
  });

  it('a process fed 10,000 unreceived messages ranks first by mailbox within two intervals; Enter, Esc, r, p, q', async () => {
    const seqOf = (text: string) => Number(/ #(\d+)$/m.exec(text)?.[1] ?? Number.NaN);
    const first = await waitFor('the list', (text) => pids.every((pid) => text.includes(String(pid))));
    assert.ok(seqOf(first) >= 0, first);
    // The observer numbers its updates, one an interval: the last one sent before the flood.
    const before = (await new ObserverClient(new URL(observer.url)).snapshot()).seq;

    const flooded = idle();
    pids.push(flooded);
    register('flooded', flooded);
    for (let i = 0; i < 10_000; i++) send(flooded, ['job', i]);
    const ranked = await waitFor('the flooded process first', (text) =>
      new RegExp(`^> ${String(flooded).replace(/[.<>]/g, '\\$&')} +flooded +waiting +10000 `, 'm').test(text),
    );
    // The update top shows it in is at most the second after the flood.
    assert.ok(seqOf(ranked) <= before + 2, `update #${seqOf(ranked)}, the last seen before #${before}:\n${ranked}`);
    assert.match(ranked, /sort: mailbox/);

    await tmux('send-keys', '-t', 'top', 'Enter');
    const detail = await waitFor('the detail', (text) => /the first 20 of \d+ messages:/.test(text));
    assert.match(detail, new RegExp(`^${String(flooded).replace(/[.<>]/g, '\\$&')} {2}flooded {2}`, 'm'));
    assert.match(detail, /^ {2}\{job,0\}$/m);
    assert.match(detail, /^waiting for {3}\[\{never,sent\}\]$/m);
    await tmux('send-keys', '-t', 'top', 'Escape');
    await waitFor('the list again', (text) => /^ {2}PID +NAME/m.test(text));

    await tmux('send-keys', '-t', 'top', 'r');
    await waitFor('the sort by messages received', (text) => /^beamish top .* sort: received\/interval /m.test(text));
    await tmux('send-keys', '-t', 'top', 'p');
    await waitFor('the pause', (text) => /sort: received\/interval {2}PAUSED /.test(text));

    await tmux('send-keys', '-t', 'top', 'q');
    const end = await waitFor('the exit', (text) => /top exited \d+/.test(text));
    assert.match(end, /^top exited 0$/m);
    assert.doesNotMatch(end, /PID +NAME/, 'the terminal given back');
  });
});
