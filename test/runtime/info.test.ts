import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BadArgError,
  configure,
  exit,
  flush,
  isAlive,
  link,
  monitor,
  processes,
  processFlag,
  processInfo,
  receive,
  register,
  run,
  self,
  send,
  sleep,
  spawn,
} from '../../src/runtime/index.js';

describe('introspection', () => {
  it('isAlive and processes() follow the life of a process', () =>
    run(async () => {
      const pid = spawn(() => receive([]));
      assert.equal(isAlive(pid), true);
      assert.ok(processes().includes(pid));
      exit(pid, 'kill');
      assert.equal(isAlive(pid), false);
      assert.ok(!processes().includes(pid));
      // @ts-expect-error needs a pid
      assert.throws(() => isAlive('x'), BadArgError);
    }));

  it('processInfo shows status, mailbox length, links, monitors, name and trap_exit', () =>
    run(async () => {
      const me = self();
      const pid = spawn(async () => {
        processFlag('trap_exit', true);
        link(me);
        monitor('process', me);
        register('info_subject', self());
        await receive(['go']);
      });
      await sleep(1);
      send(pid, 'other');
      send(pid, 'another');
      const info = processInfo(pid);
      assert.ok(info);
      assert.equal(info.status, 'waiting');
      assert.equal(info.messageQueueLen, 2);
      assert.deepEqual(info.links, [me]);
      assert.equal(info.monitors.length, 1);
      assert.equal(info.monitors[0]?.pid, me);
      assert.deepEqual(processInfo(me)?.monitoredBy, [pid]);
      assert.equal(info.registeredName, 'info_subject');
      assert.equal(info.trapExit, true);
      assert.equal(processInfo(me)?.status, 'running');
      send(pid, 'go');
      await sleep(1);
      assert.equal(processInfo(pid), undefined);
    }));
});

describe('message isolation', () => {
  it('messages are passed by reference by default', () =>
    run(async () => {
      const msg = { n: 1 };
      send(self(), msg);
      assert.equal(await receive([{ n: 1 }]), msg);
    }));

  it("'freeze' deep-freezes each message on send", () =>
    run(async () => {
      const previous = configure({ messages: 'freeze' });
      try {
        const msg = ['data', { nested: [1, 2] }, Buffer.from('b'), self()] as const;
        send(self(), msg);
        const got = await receive([['data', { nested: [1, 2] }, Buffer.from('b'), self()]]);
        assert.ok(Object.isFrozen(got) && Object.isFrozen(got[1]) && Object.isFrozen(got[1].nested));
        assert.throws(() => {
          (got[1].nested as unknown as number[]).push(3);
        }, TypeError);
      } finally {
        configure(previous);
      }
    }));

  it("'clone' sends a deep copy, keeping pids and refs by identity", () =>
    run(async () => {
      const previous = configure({ messages: 'clone' });
      try {
        const buf = Buffer.from('abc');
        const list = [1];
        send(self(), ['data', { list }, buf, self(), new Map([['k', list]])]);
        list.push(2);
        buf[0] = 0x7a;
        const [got] = flush() as [[string, { list: number[] }, Buffer, unknown, Map<string, number[]>]];
        assert.deepEqual(got[1].list, [1]);
        assert.equal(got[2].toString(), 'abc');
        assert.equal(got[3], self());
        assert.deepEqual(got[4].get('k'), [1]);
      } finally {
        configure(previous);
      }
    }));

  it('configure refuses unknown modes', () => {
    // @ts-expect-error not a mode
    assert.throws(() => configure({ messages: 'copy' }), BadArgError);
  });
});
