import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { _, anyNumber, flush, guard, on, receive, run, self, send, spawn } from '../../src/runtime/index.js';
import { indexStats, setIndexMin } from '../../src/runtime/mailbox.js';

/**
 * Model-based tests: random programs of sends and selective receives run
 * against the real mailbox and against a plain list scan written from
 * Erlang's definition (oldest message first; for each, the patterns in
 * order). Both must receive the same messages, with the same clause, in the
 * same order, and end with the same mailbox: nothing lost, nothing duplicated.
 */

type Msg = readonly [string, number] | string | number;

/** A pattern as data, so the model can read it without the runtime. */
type PatternSpec =
  | { kind: 'tagAny'; tag: string }
  | { kind: 'tagVal'; tag: string; value: number }
  | { kind: 'tagNum'; tag: string }
  | { kind: 'any' }
  | { kind: 'literal'; value: string | number }
  | { kind: 'even' };

const tags = ['a', 'b', 'c'];
const msgArb: fc.Arbitrary<Msg> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...tags), fc.integer({ min: 0, max: 3 })) },
  { weight: 1, arbitrary: fc.constantFrom('x', 'y') },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }) },
);
const tagAnyArb = fc.record({ kind: fc.constant('tagAny' as const), tag: fc.constantFrom(...tags) });
const tagValArb = fc.record({
  kind: fc.constant('tagVal' as const),
  tag: fc.constantFrom(...tags),
  value: fc.integer({ min: 0, max: 3 }),
});
const tagNumArb = fc.record({ kind: fc.constant('tagNum' as const), tag: fc.constantFrom(...tags) });
const patternArb: fc.Arbitrary<PatternSpec> = fc.oneof(
  { weight: 4, arbitrary: tagAnyArb },
  { weight: 4, arbitrary: tagValArb },
  { weight: 2, arbitrary: tagNumArb },
  { weight: 1, arbitrary: fc.constant({ kind: 'any' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('literal' as const), value: fc.constantFrom('x', 'y', 0, 1) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'even' as const }) },
);

/** A clause list receive accepts: nothing after a catch-all `_`, which could never match. */
const clauseListArb: fc.Arbitrary<PatternSpec[]> = fc
  .array(patternArb, { minLength: 1, maxLength: 3 })
  .map((ps) => ps.slice(0, ps.findIndex((p) => p.kind === 'any') + 1 || ps.length));

type Op =
  | { op: 'send'; msg: Msg }
  | { op: 'receive'; patterns: PatternSpec[] }
  | { op: 'wait'; patterns: PatternSpec[]; arrivals: Msg[] }
  | { op: 'timed'; patterns: PatternSpec[]; timeoutMs: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('timed' as const),
      patterns: clauseListArb,
      timeoutMs: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('send' as const), msg: msgArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('receive' as const),
      patterns: clauseListArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('wait' as const),
      patterns: clauseListArb,
      arrivals: fc.array(msgArb, { maxLength: 5 }),
    }),
  },
);

/**
 * Programs rich in receives whose patterns all have a literal tag: only
 * those may use the tag index, and the tests of the indexed path want many.
 */
const indexedOpArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: opArb },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('receive' as const),
      patterns: fc.array(fc.oneof(tagAnyArb, tagValArb, tagNumArb), { minLength: 1, maxLength: 3 }),
    }),
  },
);

function toPattern(p: PatternSpec): unknown {
  switch (p.kind) {
    case 'tagAny':
      return [p.tag, _];
    case 'tagVal':
      return [p.tag, p.value];
    case 'tagNum':
      return [p.tag, anyNumber];
    case 'any':
      return _;
    case 'literal':
      return p.value;
    case 'even':
      return guard((v) => typeof v === 'number' && v % 2 === 0);
  }
}

function modelMatches(p: PatternSpec, m: Msg): boolean {
  switch (p.kind) {
    case 'tagAny':
      return Array.isArray(m) && m[0] === p.tag;
    case 'tagVal':
      return Array.isArray(m) && m[0] === p.tag && m[1] === p.value;
    case 'tagNum':
      return Array.isArray(m) && m[0] === p.tag && typeof m[1] === 'number';
    case 'any':
      return true;
    case 'literal':
      return m === p.value;
    case 'even':
      return typeof m === 'number' && m % 2 === 0;
  }
}

/** Erlang's definition, as a list scan: returns [message, clause index] or undefined. */
function modelTake(queue: Msg[], patterns: PatternSpec[]): [Msg, number] | undefined {
  for (let i = 0; i < queue.length; i++) {
    const m = queue[i] as Msg;
    const k = patterns.findIndex((p) => modelMatches(p, m));
    if (k >= 0) {
      queue.splice(i, 1);
      return [m, k];
    }
  }
  return undefined;
}

const END = '__end__';

async function runProgram(ops: Op[]): Promise<void> {
  await run(async () => {
    const me = self();
    const model: Msg[] = [];
    for (const op of ops) {
      if (op.op === 'send') {
        send(me, op.msg);
        model.push(op.msg);
      } else if (op.op === 'receive') {
        const clauses = op.patterns.map((p, k) => on(toPattern(p), (m) => [m, k] as const));
        const got = await receive(clauses, 0, 'none');
        const expected = modelTake(model, op.patterns) ?? 'none';
        assert.deepEqual(got, expected);
      } else if (op.op === 'timed') {
        // A real timer: either a queued message matches at once, or the
        // receive waits out its timeout and yields the after value.
        const clauses = op.patterns.map((p, k) => on(toPattern(p), (m) => [m, k] as const));
        const got = await receive(clauses, op.timeoutMs, 'timeout');
        assert.deepEqual(got, modelTake(model, op.patterns) ?? 'timeout');
      } else {
        // Arrivals come from another process while this one waits; a last,
        // unique 'end' message, with a last pattern for it, unblocks the
        // receive if nothing else matched. Both sides see it, so it changes
        // nothing about which message wins.
        // (After a catch-all the extra pattern could never match, and
        // receive refuses it: the catch-all takes 'end' itself then.)
        const catchAll = op.patterns.at(-1)?.kind === 'any';
        const patterns: PatternSpec[] = catchAll ? op.patterns : [...op.patterns, { kind: 'literal', value: END }];
        const clauses = patterns.map((p, k) => on(toPattern(p), (m) => [m, k] as const));
        const arrivals = [...op.arrivals, END];
        spawn(() => {
          for (const m of arrivals) send(me, m);
        });
        const got = await receive(clauses);
        model.push(...arrivals);
        assert.deepEqual(got, modelTake(model, patterns));
      }
    }
    assert.deepEqual(flush(), model);
  });
}

/**
 * Runs the property with the tag index built from `indexMin` queued
 * messages, and checks that the indexed path was taken (by at least `scans`
 * receives), so the model keeps guarding it.
 */
async function withIndexMin(indexMin: number, scans: number, check: () => Promise<void>): Promise<void> {
  const old = setIndexMin(indexMin);
  const before = { ...indexStats };
  try {
    await check();
  } finally {
    setIndexMin(old);
  }
  const built = indexStats.builds - before.builds;
  const used = indexStats.scans - before.scans;
  assert.ok(used >= scans && built > 0, `tag index built ${built} times, used by ${used} receives`);
}

describe('mailbox model', () => {
  it('matches a list-scan model of Erlang selective receive on random programs', async () => {
    await fc.assert(fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), runProgram), { numRuns: 300 });
  });

  it('matches the model with the tag index used by every receive that skips a message', () =>
    // Mailboxes of random programs are short; from 0 messages up the index
    // is built, dropped when the mailbox empties, and built again.
    withIndexMin(0, 1000, () =>
      fc.assert(fc.asyncProperty(fc.array(indexedOpArb, { maxLength: 40, size: 'max' }), runProgram), { numRuns: 300 }),
    ));

  it('matches the model on programs that start with a backlog (index built at the default length)', () =>
    withIndexMin(32, 1000, () =>
      fc.assert(
        fc.asyncProperty(
          fc.array(msgArb, { minLength: 32, maxLength: 80 }),
          fc.array(indexedOpArb, { maxLength: 40, size: 'max' }),
          (backlog, ops) => runProgram([...backlog.map((msg): Op => ({ op: 'send', msg })), ...ops]),
        ),
        { numRuns: 200 },
      ),
    ));

  it('keeps order and loses nothing across compaction of a large mailbox', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1500, max: 5000 }), fc.integer({ min: 2, max: 7 }), async (n, every) => {
        const ops: Op[] = [];
        for (let i = 0; i < n; i++) ops.push({ op: 'send', msg: [tags[i % 3] as string, i % 4] });
        // Take from the middle (holes) and from the front (spent slots).
        for (let i = 0; i < n / every; i++)
          ops.push({ op: 'receive', patterns: [{ kind: 'tagVal', tag: 'b', value: i % 4 }] });
        for (let i = 0; i < n / 3; i++) ops.push({ op: 'receive', patterns: [{ kind: 'any' }] });
        await runProgram(ops);
      }),
      { numRuns: 10 },
    );
  });
});
