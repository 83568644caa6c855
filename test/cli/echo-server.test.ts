import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * examples/echo-server.ts run on its own, as the README's `beamish` examples
 * use it: `npx tsx examples/echo-server.ts [port]` in one terminal, `beamish
 * ws://…` in another.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/beamish.js', import.meta.url));
const run = promisify(execFile);

const started = new Set<ChildProcess>();
after(() => {
  for (const child of started) child.kill('SIGKILL');
});

/** Starts the echo server with `args`; resolves with the child and the first line it prints. */
async function startEcho(args: string[]): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/echo-server.ts', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  child.once('exit', () => started.delete(child));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  try {
    const [line] = (await Promise.race([once(lines, 'line'), once(child, 'exit')])) as [string];
    assert.equal(typeof line, 'string', 'the echo server exited before printing its URL');
    return { child, line };
  } finally {
    clearTimeout(timer);
  }
}

/** What `node examples/echo-server.ts args...` prints and exits with, when it exits by itself. */
async function echoServerFails(args: string[]): Promise<{ code: number; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'examples/echo-server.ts', ...args], {
    cwd: root,
    timeout: 15_000,
  }).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  );
}

describe('examples/echo-server.ts on its own', () => {
  it('prints its URL; beamish talks to it; Ctrl-C (SIGINT) ends it with exit code 0', async () => {
    const { child, line } = await startEcho(['0']);
    const match = /^echo server on (ws:\/\/127\.0\.0\.1:(\d+)\/echo) \(Ctrl-C to stop\)$/.exec(line);
    assert.ok(match !== null, line);
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
      const c = execFile(process.execPath, [bin, match[1] as string], { timeout: 15_000 }, (err, out) =>
        err === null ? resolve({ stdout: out }) : reject(err),
      );
      c.stdin?.end('hello\n');
    });
    assert.match(stdout, /\{gun_ws,<0\.\d+\.0>,\{text,<<"hello">>\}\}/);
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    assert.deepEqual(await exited, [0, null]);
  });

  it('a busy port, and a bad port, get one line on stderr and a non-zero exit', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as net.AddressInfo).port;
      const busy = await echoServerFails([String(port)]);
      assert.equal(busy.code, 1);
      assert.equal(
        busy.stderr,
        `echo server: port ${port} is in use; give another: npx tsx examples/echo-server.ts ${port + 1} (or 0 for any free port)\n`,
      );
    } finally {
      blocker.close();
    }
    const bad = [['http'], ['70000'], ['1', '2']];
    for (const [i, r] of (await Promise.all(bad.map(echoServerFails))).entries()) {
      assert.equal(r.code, 2, bad[i]?.join(' '));
      assert.match(
        r.stderr,
        /^usage: npx tsx examples\/echo-server\.ts \[port\] {2}\(default 8080; 0 for any free port\)\n$/,
      );
    }
  });
});
