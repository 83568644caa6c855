import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GenServer, startTracer } from '../../src/otp/index.js';
import {
  _,
  exit,
  link,
  type Pid,
  receive,
  register,
  run,
  self,
  send,
  spawn,
  trace,
  unlink,
} from '../../src/runtime/index.js';

/** A tracer whose lines come back to the test process as ['line', text]. */
function collectingTracer(): Pid {
  const me = self();
  return startTracer({ write: (line) => send(me, ['line', line]) });
}

async function lines(n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await receive([['line', _]], 500))[1] as string);
  return out;
}

describe('startTracer (dbg:tracer) and formatTraceMessage', () => {
  it("prints receive, send, link, register and exit in dbg's notation (as OTP 25's dbg prints them)", async () => {
    await run(async () => {
      const me = self();
      const tracer = collectingTracer();
      const loop = spawn(async () => {
        const [, from] = await receive([['ping', _]]);
        send(from as Pid, 'pong');
        await receive(['stop']);
        exit('bye');
      });
      await receive([], 5, null);
      trace(loop, true, ['send', 'receive', 'procs'], { tracer });
      send(loop, ['ping', me]);
      await receive(['pong'], 500);
      link(loop);
      unlink(loop);
      register('traced_loop', loop);
      send(loop, 'stop');
      const got = await lines(8);
      assert.deepEqual(got, [
        `(${loop}) << {ping,${me}}`,
        `(${loop}) ${me} ! pong`,
        `(${loop}) getting_linked ${me}`,
        `(${loop}) getting_unlinked ${me}`,
        `(${loop}) register traced_loop`,
        `(${loop}) << stop`,
        `(${loop}) exit bye`,
        `(${loop}) unregister traced_loop`,
      ]);
      send(tracer, 'stop');
    });
  });

  it("a GenServer traced with 'call' shows each request as a call line", async () => {
    await run(async () => {
      const tracer = collectingTracer();
      const server = await GenServer.start(
        {
          name: 'echo_server',
          init: () => ['ok', null],
          handleCall: (req: unknown, _from: unknown, s: null) => ['reply', req, s],
        },
        undefined,
      );
      trace(server, true, ['call'], { tracer });
      await GenServer.call(server, 'hello');
      const [line] = await lines(1);
      assert.match(
        line as string,
        new RegExp(
          `^\\(${String(server).replace(/[.<>]/g, '\\$&')}\\) call echo_server:handleCall\\(hello,\\{<0\\.\\d+\\.0>,#Ref<[0-9.]+>\\}\\)$`,
        ),
      );
      await GenServer.stop(server);
      send(tracer, 'stop');
    });
  });

  it('spawn lines name the function; a stopped tracer ends tracing', async () => {
    await run(async () => {
      const tracer = collectingTracer();
      const parent = spawn(async () => {
        await receive(['go']);
        spawn(function worker() {});
      });
      await receive([], 5, null);
      trace(parent, true, ['procs'], { tracer });
      send(parent, 'go');
      const [line] = await lines(1);
      assert.match(line as string, /^\(<0\.\d+\.0>\) spawn <0\.\d+\.0> as worker$/);
      send(tracer, 'stop');
    });
  });
});
