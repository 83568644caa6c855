import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { makeRef, Pid, Ref, run, self, spawn } from '../../src/runtime/index.js';

describe('pids and refs', () => {
  it('a pid prints like an Erlang pid in String() and util.inspect', async () => {
    const pid = spawn(() => undefined);
    assert.match(String(pid), /^<0\.\d+\.0>$/);
    assert.equal(inspect(pid), String(pid));
    assert.equal(inspect({ pid }), `{ pid: ${pid} }`);
  });

  it('a ref prints like an Erlang ref in String() and util.inspect', () => {
    const ref = makeRef();
    assert.match(String(ref), /^#Ref<0\.\d+\.\d+\.\d+>$/);
    assert.equal(inspect([ref]), `[ ${ref} ]`);
  });

  it('pids and refs are compared by identity and are unique', async () => {
    const a = makeRef();
    const b = makeRef();
    assert.notEqual(a, b);
    assert.notEqual(String(a), String(b));
    const inside = await run(() => self());
    assert.ok(inside instanceof Pid);
    assert.notEqual(inside, self());
    assert.ok(a instanceof Ref);
  });
});
